"""The one clock of the service: every time it stamps or compares comes from `utcnow`.

Tests drive it with `driven(source)`: inside the block every module reads `source` instead
of the system clock. Two times are real time on purpose, whatever the source: access and
refresh tokens (PyJWT stamps and checks `iat`/`exp` against the system clock, see
app/core/security.py) and webhook signatures (receivers check them against theirs)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

TimeSource = Callable[[], datetime]


def _system_time() -> datetime:
    return datetime.now(UTC)


_source: TimeSource = _system_time


def utcnow() -> datetime:
    # MongoDB keeps milliseconds: truncate so what we return equals what we stored.
    now = _source()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@contextmanager
def driven(source: TimeSource) -> Iterator[None]:
    """Inside the block, `utcnow` reads `source` (tests); the previous source after it."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous


def as_utc(moment: datetime | None) -> datetime | None:
    """A time from a request: one without an offset is taken as UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
