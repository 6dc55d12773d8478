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


# A filtered list reads its index range in rounds until it has a page of matches: the first
# round the page itself, each next one ROUND_GROWTH times more, at most MAX_ROUNDS (a page can
# then come back short, with a cursor to go on from where the reading stopped).
MAX_ROUNDS = 4
ROUND_GROWTH = 8


def _tighter(descending: bool, *bounds: Filter) -> Filter:
    """One range on the key from several: the tightest lower and upper bound."""
    lower = [b[op] for b in bounds for op in ("$gt", "$gte") if op in b]
    upper = [b[op] for b in bounds for op in ("$lt", "$lte") if op in b]
    merged: Filter = {}
    for b in bounds:
        for op, value in b.items():
            if (op in ("$gt", "$gte") and value == max(lower)) or (
                op in ("$lt", "$lte") and value == min(upper)
            ):
                merged[op] = value
    return merged


@dataclass
class _Scan(Generic[T]):
    found: list[T]
    frontier: Any  # the key of the last document read; None: the range is exhausted


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
    found: list[T] = []
    batch = limit + 1
    position = key_range
    key = keyset.field
    for _ in range(MAX_ROUNDS):
        where = {**query, key: position} if position else query
        docs = await collection.find(where, projection).sort(keyset.sort).limit(batch).to_list()
        found += [d for d in docs if matches is None or matches(d)]
        if len(docs) < batch:
            return _Scan(found, None)
        if len(found) > limit:
            break
        step = {"$lt" if keyset.descending else "$gt": docs[-1][key]}
        position = _tighter(keyset.descending, key_range, step)
        batch *= ROUND_GROWTH
    return _Scan(found, docs[-1][key])


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
    bounds = [b for b in (key_range or {}, keyset.bound(cursor).get(keyset.field, {})) if b]
    position = _tighter(keyset.descending, *bounds) if bounds else {}
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
