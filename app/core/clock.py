"""The one clock of the service. Tests drive time by patching `utcnow` here."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    # MongoDB keeps milliseconds: truncate so what we return equals what we stored.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def as_utc(moment: datetime | None) -> datetime | None:
    """A time from a request: one without an offset is taken as UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
