"""Keyset pagination, the one scheme every list uses.

A list is ordered by one stored, unique key (`Keyset.field`); a page is the documents past the
cursor's position on that key, read up to limit + 1 (the extra one only says whether another
page exists). One field compared with `$lt`/`$gt` is an index range on every server; a keyset
over two fields needs an `$or`, which is not on every one (tests/system/test_db_contract.py
pins each form's plan).
"""

import asyncio
import heapq
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection

from app.core.cursors import decode_cursor, encode_cursor, invalid_cursor
from app.core.ids import to_object_id
from app.core.lru import Lru

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

Filter = dict[str, Any]
T = TypeVar("T", bound=Mapping[str, Any])


@dataclass(frozen=True)
class Keyset:
    """How one list is ordered: the stored key, its direction, how a cursor's position turns
    back into a stored value (None: not a position of this list), and where the first page
    starts (a range even without a cursor, for servers that scan on a bare sort)."""

    field: str
    descending: bool
    parse: Callable[[str], Any]
    first: Any = None
    # Where a window of the key that starts at a position (None: the list's start) and spans
    # `span` ends; None: no end (read the rest). Given, a page reads bounded windows of the
    # index, not the whole range (a server may read a range whole before it sorts and limits).
    edge: Callable[[Any, timedelta, Filter], Any] | None = None
    # The span between two stored keys (learned: how wide a page of a scope was).
    distance: Callable[[Any, Any], timedelta] | None = None

    def bound(self, cursor: str | None) -> Filter:
        if cursor is None:
            if self.first is None:
                return {}
            position = self.first
        else:
            position = self.parse(decode_cursor(cursor))
            if position is None:
                raise invalid_cursor()
        return {self.field: {"$lt" if self.descending else "$gt": position}}

    @property
    def sort(self) -> list[tuple[str, int]]:
        return [(self.field, -1 if self.descending else 1)]


# Lists of rarely written things (agents, FAQs) in creation order. The first page starts from
# the smallest id too: an explicit range, not a bare sort on _id (tests/system/test_db_contract.py).
OLDEST_FIRST = Keyset("_id", descending=False, parse=to_object_id, first=ObjectId("0" * 24))


# A page is read in rounds, at most MAX_ROUNDS (then it may come back short, with a cursor to go
# on). With windows (Keyset.edge), a page read before (same request, start and size) reads down
# to where it ended (PAGE_ENDS) in batches of twice what that window held then; any other, a
# window of the span a page of the scope took (FIRST_SPAN when unknown), then after an exhausted
# one a span sized by what it held (at most WINDOW_GROWTH times more). A round that fills its
# batch goes on in the window with a batch ROUND_GROWTH times larger; the first is the page.
MAX_ROUNDS = 8
ROUND_GROWTH = 8
FIRST_SPAN = timedelta(hours=6)
WINDOW_GROWTH = 8
# A learned span is the distance from a page's first document to the one after its last, this
# much wider (so a page usually takes one window), and never narrower than SMALLEST_SPAN.
SPAN_MARGIN = 1.25
SMALLEST_SPAN = timedelta(seconds=1)
MAX_LEARNED = 4096
Scope = tuple[str, str, str, str]  # collection, key, the query's fields, the request (`asked`)
Page = tuple[Scope, Any, int]  # a scope, a start (None: the list's start), a page size
# Per process, the span a page of each scope took and where each page ended (with how many
# documents its range read to there): they change what a page costs, never what it holds.
LEARNED_SPANS = Lru[Scope, timedelta](MAX_LEARNED)
PAGE_ENDS = Lru[Page, tuple[Any, int]](MAX_LEARNED)


def _tighter(*bounds: Filter) -> Filter:
    """One range on the key from several: the tightest lower and upper bound."""
    lowers = [(value, op) for b in bounds for op, value in b.items() if op in ("$gt", "$gte")]
    uppers = [(value, op) for b in bounds for op, value in b.items() if op in ("$lt", "$lte")]
    merged: Filter = {}
    if lowers:  # at equal values the strict bound is the tighter one
        value, op = max(lowers, key=lambda v: (v[0], v[1] == "$gt"))
        merged[op] = value
    if uppers:
        value, op = min(uppers, key=lambda v: (v[0], v[1] == "$lte"))
        merged[op] = value
    return merged


_COMPARE = {"$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le}


def _within(value: Any, bounds: Filter) -> bool:
    return all(_COMPARE[op](value, bound) for op, bound in bounds.items())


def _next_span(span: timedelta, held: int, wanted: int, windows: int) -> timedelta:
    """The span after the `windows`-th window, of `span`, held `held` of `wanted` documents: as
    wide as that density says the rest needs (2 to WINDOW_GROWTH times); after an empty one at
    least the first-span schedule's, so a range's end is found within MAX_ROUNDS."""
    if held == 0:
        return max(span * WINDOW_GROWTH, FIRST_SPAN * int(WINDOW_GROWTH**windows))
    grown: timedelta = span * (wanted / held) * SPAN_MARGIN
    return min(span * WINDOW_GROWTH, max(span * 2, grown))


@dataclass
class _Range(Generic[T]):
    """One filter's index range, read window by window."""

    query: Filter  # the equality fields
    own: Filter  # the bounds on the key
    scope: Scope  # what its learned span is remembered by
    start: Any  # where its first window starts (None: the list's start)
    span: timedelta
    batch: int
    end: Any = None  # where its first window ends, when known (PAGE_ENDS)
    position: Any = None  # read up to here
    found: list[T] = field(default_factory=list)
    done: bool = False  # read to its end
    queries: int = 0
    read: int = 0  # documents, matching or not
    windows: int = 0


async def _advance(
    collection: AsyncCollection[T],
    r: _Range[T],
    *,
    keyset: Keyset,
    wanted: int,
    projection: Mapping[str, Any] | None,
    matches: Callable[[T], bool] | None,
) -> None:
    """Reads the range's next window (or the next batch of the one it is in)."""
    key, past = keyset.field, "$lt" if keyset.descending else "$gt"
    at = r.start if r.position is None else r.position
    edge = r.end if r.end is not None else keyset.edge(at, r.span, r.own) if keyset.edge else None
    window = {("$gte" if keyset.descending else "$lte"): edge} if edge is not None else {}
    bound = _tighter(r.own, {past: r.position} if r.position is not None else {}, window)
    where = {**r.query, key: bound} if bound else r.query
    docs = await collection.find(where, projection).sort(keyset.sort).limit(r.batch).to_list()
    r.queries, r.read = r.queries + 1, r.read + len(docs)
    held = [d for d in docs if matches is None or matches(d)]
    r.found += held
    if len(docs) == r.batch:  # more in this window
        r.position, r.batch = docs[-1][key], r.batch * ROUND_GROWTH
    elif edge is None:
        r.done = True
    else:
        r.position, r.windows, r.end = edge, r.windows + 1, None
        r.span = _next_span(r.span, len(held), wanted, r.windows)


def _merged(ranges: Sequence[_Range[T]], keyset: Keyset, edge: Any, limit: int) -> list[T]:
    """The documents read, in keyset order, up to `edge` (None: all), at most limit + 1."""
    key = keyset.field
    found = heapq.merge(*(r.found for r in ranges), key=lambda d: d[key], reverse=keyset.descending)
    docs: list[T] = []
    for doc in found:
        if edge is not None and (doc[key] < edge if keyset.descending else doc[key] > edge):
            break
        if docs and docs[-1][key] == doc[key]:
            continue  # in two of the filters
        docs.append(doc)
        if len(docs) > limit:
            break
    return docs


async def read_page(
    collection: AsyncCollection[T],
    filters: Sequence[Filter],
    *,
    keyset: Keyset,
    limit: int,
    cursor: str | None,
    projection: Mapping[str, Any] | None = None,
    key_range: Filter | None = None,
    matches: Callable[[T], bool] | None = None,
    asked: str = "",
    origin: Any = None,
) -> tuple[list[T], str | None]:
    """One page of the union of `filters`, in keyset order. Each filter is read as one index
    range (its equality fields, then the key, within `key_range`), the ranges concurrently,
    and merged here: a bounded number of round trips, whatever the page size. (One query with
    `$in` or `$or` plus the key range is not an index scan on every server.)

    With windows, the ranges read the same stretch of the key together: every range its
    first window, then only the ones that have been read the least far, until the merged
    page is full up to where every range has been read.

    `matches` is the whole of what the caller asked for, checked on every document read: the
    conditions no index holds (queries carry only the fields of the index they use). A
    filtered page may then be short, with a cursor past what was read. `asked` names what
    `matches` checks, so a page's cost is learned apart from other requests on one index.
    `origin`: where a first page's windows start when the key's own range does not say (a
    thread: the ticket's opening)."""
    key, past = keyset.field, "$lt" if keyset.descending else "$gt"
    position = _tighter(key_range or {}, keyset.bound(cursor).get(key, {}))
    ranges: list[_Range[T]] = []
    for query in filters:
        scope = (collection.full_name, key, repr(sorted(query.items())), asked)
        equalities = dict(query)
        own = _tighter(position, equalities.pop(key, {}))
        # A range's first window starts at its own start (a cursor, a filter's bound) if any.
        start = next((own[op] for op in (past, past + "e") if op in own), None)
        if cursor is None and origin is not None:
            start = origin
        span = LEARNED_SPANS.get(scope) or FIRST_SPAN
        # A bounded range is read up to its bound before anything is read: ranges one past the
        # other (the priority ranks) are read in turn, not all at once.
        reached = own.get(past)
        ranges.append(_Range(equalities, own, scope, start, span, limit + 1, position=reached))
    claimed = await _recall_ends(ranges, limit) if keyset.edge else []
    try:
        return await _read(collection, ranges, keyset=keyset, limit=limit,
                           projection=projection, matches=matches)  # fmt: skip
    finally:
        for page in claimed:
            _LEARNING.pop(page).set()


# Pages being read whose end no one knew: a simultaneous read of one waits for it (once), so a
# process that has just started reads a wide window once per page, not once per request.
_LEARNING: dict[Page, asyncio.Event] = {}


async def _recall_ends(ranges: Sequence[_Range[T]], limit: int) -> list[Page]:
    """Sets each range's first end from PAGE_ENDS, after waiting for a read of the same page
    that is learning it; returns the pages this read learns for others."""

    def recall() -> list[Page]:
        for r in ranges:
            known = PAGE_ENDS.get((r.scope, r.start, limit))
            if known is not None and _within(known[0], r.own):  # not where another's ended
                r.end, r.batch = known[0], max(r.batch, 2 * known[1])
        return list(dict.fromkeys((r.scope, r.start, limit) for r in ranges if r.end is None))

    unknown = recall()
    if learning := [_LEARNING[page] for page in unknown if page in _LEARNING]:
        await asyncio.gather(*(event.wait() for event in learning))
        recall()
        return []
    for page in unknown:
        _LEARNING[page] = asyncio.Event()
    return unknown


async def _read(
    collection: AsyncCollection[T],
    ranges: list[_Range[T]],
    *,
    keyset: Keyset,
    limit: int,
    projection: Mapping[str, Any] | None,
    matches: Callable[[T], bool] | None,
) -> tuple[list[T], str | None]:
    key = keyset.field
    furthest = max if keyset.descending else min
    docs, edge = list[T](), None
    behind = [r for r in ranges if r.position is None]  # unbounded: may hold the first keys
    if not behind and ranges:
        edge = furthest(r.position for r in ranges)
        behind = [r for r in ranges if r.position == edge]
    while behind:
        wanted = limit + 1 - len(docs)
        reads = [_advance(collection, r, keyset=keyset, wanted=wanted, projection=projection,
                          matches=matches) for r in behind]  # fmt: skip
        await asyncio.gather(*reads)
        unread = [r for r in ranges if not r.done]
        # Every range is read at least this far: the merged page is exact up to here.
        edge = furthest(r.position for r in unread) if unread else None
        docs = _merged(ranges, keyset, edge, limit)
        if len(docs) > limit:
            if keyset.distance is not None:
                span = keyset.distance(docs[0][key], docs[limit][key]) * SPAN_MARGIN
                for r in (r for r in ranges if r.queries):  # the ranges this page read
                    LEARNED_SPANS.put(r.scope, max(span, SMALLEST_SPAN))
                    PAGE_ENDS.put((r.scope, r.start, limit), (docs[limit][key], r.read))
            return docs[:limit], encode_cursor(str(docs[limit - 1][key]))
        behind = [r for r in unread if r.position == edge and r.queries < MAX_ROUNDS]
    return docs, encode_cursor(str(edge)) if edge is not None else None
