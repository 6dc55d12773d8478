"""The orders a ticket list can take: each a keyset on one stored key, how a cursor on it is
read back, and how its windows are cut (core/pagination.py reads them)."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from app.core.clock import utcnow
from app.core.pagination import Filter, Keyset
from app.tickets.documents import timestamp

_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
_ID = r"[0-9a-f]{24}"
# A cursor is a stored key, or where a page's reading stopped: a window's edge, which is a
# prefix of keys (a time, or a priority rank).
_ORDER_KEY = re.compile(rf"{_TIMESTAMP}(\|{_ID})?")
_PRIORITY_KEY = re.compile(rf"[123]\|({_TIMESTAMP}(\|{_ID})?)?")
_DUE_KEY = re.compile(rf"({_TIMESTAMP}|~)(\|{_TIMESTAMP}\|{_ID})?")
MAX_SPAN = timedelta(days=3650)  # a window wider than this reads the rest of the range


def _parser(pattern: re.Pattern[str]) -> Callable[[str], str | None]:
    return lambda position: position if pattern.fullmatch(position) else None


def _time(position: str | None, at: int = 0) -> datetime:
    if position is None or len(position) < at + 24 or position[at] == "~":
        return utcnow()
    return datetime.fromisoformat(position[at : at + 24])


def _newest_first_edge(position: str | None, span: timedelta, own: Filter) -> str | None:
    """Keys that start with a time, newest first: the window back `span` from the position."""
    return None if span > MAX_SPAN else timestamp(_time(position) - span)


def _priority_edge(position: str | None, span: timedelta, own: Filter) -> str | None:
    """ "<rank>|<created>|<id>", within one rank (each rank is read as its own range)."""
    rank = (position or own.get("$gte") or own.get("$gt") or "3|")[0]
    if span > MAX_SPAN:
        return None
    start = _time(position, 2) if position and len(position) > 2 else utcnow()
    return f"{rank}|{timestamp(start - span)}"


def _priority_distance(start: str | None, key: str) -> timedelta:
    return _time(start, 2) - _time(key, 2)


def _newest_first_distance(start: str | None, key: str) -> timedelta:
    return _time(start) - _time(key)


def _oldest_first_distance(start: str | None, key: str) -> timedelta:
    return _time(key) - _time(start)


def _oldest_first_edge(position: str | None, span: timedelta, own: Filter) -> str | None:
    """Keys that start with a time, oldest first: the window forward `span` from the
    position (the first window also holds everything before its start)."""
    return None if span > MAX_SPAN else timestamp(_time(position) + span)


def _nearest_due_edge(position: str | None, span: timedelta, own: Filter) -> str | None:
    """Deadlines, nearest first: the first window also holds every deadline already past;
    tickets without one ("~") are the range's tail, read whole."""
    if position is not None and position.startswith("~"):
        return None
    return _oldest_first_edge(position, span, own)


parse_order_key = _parser(_ORDER_KEY)
NEWEST_FIRST = Keyset(
    "order_key",
    descending=True,
    parse=parse_order_key,
    edge=_newest_first_edge,
    distance=_newest_first_distance,
)
# A ticket's thread, oldest first; its first window starts at the ticket's creation.
THREAD_ORDER = Keyset(
    "order_key",
    descending=False,
    parse=parse_order_key,
    first="",
    edge=_oldest_first_edge,
    distance=_oldest_first_distance,
)
# The sorts of the staff lists, by their `sort` parameter.
SORTS = {
    "-created_at": NEWEST_FIRST,
    "-updated_at": Keyset(
        "updated_key",
        descending=True,
        parse=_parser(_ORDER_KEY),
        edge=_newest_first_edge,
        distance=_newest_first_distance,
    ),
    "-priority": Keyset(
        "priority_key",
        descending=True,
        parse=_parser(_PRIORITY_KEY),
        edge=_priority_edge,
        distance=_priority_distance,
    ),
    "due_at": Keyset(
        "due_key",
        descending=False,
        parse=_parser(_DUE_KEY),
        edge=_nearest_due_edge,
        distance=_oldest_first_distance,
    ),
}
# "-priority" reads each rank as its own range: windows of time inside one rank.
PRIORITY_RANKS = [{"$gte": f"{rank}|", "$lt": f"{rank}|~"} for rank in "321"]
