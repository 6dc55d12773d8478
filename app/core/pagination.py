"""Keyset pagination, the one scheme every list uses.

A list is ordered by one stored, unique key (`Keyset.field`); a page is the documents past the
cursor's position on that key, read up to limit + 1 (the extra one only says whether another
page exists). One field compared with `$lt`/`$gt` is an index range on MongoDB and SecantusDB
alike; a keyset over two fields needs an `$or`, which SecantusDB answers with a collection scan
(pinned in tests/system/test_db_contract.py).

Cursors are opaque to clients: the position, base64url without padding.
"""

import asyncio
import base64
import binascii
import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection

from app.core.errors import FieldError
from app.core.ids import to_object_id

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

Filter = dict[str, Any]
T = TypeVar("T", bound=Mapping[str, Any])


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def _invalid_cursor() -> FieldError:
    return FieldError("cursor", "Invalid cursor.")


def decode_cursor(cursor: str) -> str:
    try:
        position = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _invalid_cursor() from None
    if not position or not position.isprintable():
        raise _invalid_cursor()
    return position


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
    # index, not the whole range (SecantusDB reads a range whole before it sorts and limits).
    edge: Callable[[Any, timedelta, Filter], Any] | None = None

    def bound(self, cursor: str | None) -> Filter:
        if cursor is None:
            if self.first is None:
                return {}
            position = self.first
        else:
            position = self.parse(decode_cursor(cursor))
            if position is None:
                raise _invalid_cursor()
        return {self.field: {"$lt" if self.descending else "$gt": position}}

    @property
    def sort(self) -> list[tuple[str, int]]:
        return [(self.field, -1 if self.descending else 1)]


# Lists of rarely written things (agents, FAQs) in creation order. The first page starts from
# the smallest id too: a range is an index scan on every server, while a bare sort on _id is a
# collection scan on SecantusDB.
OLDEST_FIRST = Keyset("_id", descending=False, parse=to_object_id, first=ObjectId("0" * 24))


# A page is read in rounds, at most MAX_ROUNDS (a page can then come back short, with a cursor
# to go on from where the reading stopped). With windows (Keyset.edge), the first round reads
# FIRST_SPAN of the key and each round after an exhausted window WINDOW_GROWTH times more; a
# round that fills its batch goes on in the same window. The batch is the page, then
# ROUND_GROWTH times more while filters drop documents.
MAX_ROUNDS = 8
ROUND_GROWTH = 8
FIRST_SPAN = timedelta(hours=6)
WINDOW_GROWTH = 8


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


@dataclass
class _Scan(Generic[T]):
    found: list[T]
    frontier: Any  # everything up to here was read; None: the range is exhausted


async def _scan(
    collection: AsyncCollection[T],
    query: Filter,
    key_range: Filter,
    *,
    keyset: Keyset,
    limit: int,
    projection: Mapping[str, Any] | None,
    matches: Callable[[T], bool] | None,
) -> _Scan[T]:
    key = keyset.field
    query = dict(query)
    own = _tighter(key_range, query.pop(key, {}))
    past = "$lt" if keyset.descending else "$gt"
    found: list[T] = []
    batch, span, position = limit + 1, FIRST_SPAN, None
    for _ in range(MAX_ROUNDS):
        edge = keyset.edge(position, span, own) if keyset.edge else None
        window = {("$gte" if keyset.descending else "$lt"): edge} if edge is not None else {}
        bound = _tighter(own, {past: position} if position is not None else {}, window)
        where = {**query, key: bound} if bound else query
        docs = await collection.find(where, projection).sort(keyset.sort).limit(batch).to_list()
        found += [d for d in docs if matches is None or matches(d)]
        if len(docs) == batch:  # more in this window
            position = docs[-1][key]
            if len(found) > limit:
                return _Scan(found, position)
            batch *= ROUND_GROWTH
            continue
        if edge is None:
            return _Scan(found, None)  # the whole range is read
        position, span = edge, span * WINDOW_GROWTH
        if len(found) > limit:
            return _Scan(found, position)
    return _Scan(found, position)


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
) -> tuple[list[T], str | None]:
    """One page of the union of `filters`, in keyset order. Each filter is read as one index
    range (its equality fields, then the key, within `key_range`), the ranges concurrently,
    and merged here: a bounded number of round trips, whatever the page size. (One query with
    `$in` or `$or` plus the key range is planned as a collection scan by SecantusDB.)

    `matches` is the whole of what the caller asked for, checked on every document read: the
    conditions no index holds (SecantusDB plans a filter on a field outside the index it
    uses as a collection scan, so queries carry only indexed fields). A filtered page may then
    be short, with a cursor past what was read."""
    position = _tighter(key_range or {}, keyset.bound(cursor).get(keyset.field, {}))
    scans = await asyncio.gather(
        *(
            _scan(
                collection,
                query,
                position,
                keyset=keyset,
                limit=limit,
                projection=projection,
                matches=matches,
            )
            for query in filters
        )
    )
    key = keyset.field
    frontiers = [s.frontier for s in scans if s.frontier is not None]
    # Past the least advanced frontier, a scan that stopped may still hold documents.
    edge = (max if keyset.descending else min)(frontiers) if frontiers else None
    merged = heapq.merge(*(s.found for s in scans), key=lambda d: d[key], reverse=keyset.descending)
    docs: list[T] = []
    for doc in merged:
        if edge is not None and (doc[key] < edge if keyset.descending else doc[key] > edge):
            break
        if docs and docs[-1][key] == doc[key]:
            continue  # in two of the filters
        docs.append(doc)
        if len(docs) > limit:
            return docs[:limit], encode_cursor(str(docs[limit - 1][key]))
    return docs, encode_cursor(str(edge)) if edge is not None else None
