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
from typing import Any, TypeVar

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


async def read_page(
    collection: AsyncCollection[T],
    filters: Sequence[Filter],
    *,
    keyset: Keyset,
    limit: int,
    cursor: str | None,
    projection: Mapping[str, Any] | None = None,
) -> tuple[list[T], str | None]:
    """One page of the union of `filters`, in keyset order. Each filter is read as one index
    range (its equality fields, then the key), the ranges concurrently, and merged here: a
    constant number of round trips, whatever the page size. (One query with `$in` or `$or`
    plus the key range is planned as a collection scan by SecantusDB.)"""
    bound = keyset.bound(cursor)
    ranges = await asyncio.gather(
        *(
            collection.find({**query, **bound}, projection)
            .sort(keyset.sort)
            .limit(limit + 1)
            .to_list()
            for query in filters
        )
    )
    key = keyset.field
    merged = heapq.merge(*ranges, key=lambda doc: doc[key], reverse=keyset.descending)
    docs: list[T] = [doc for _, doc in zip(range(limit + 1), merged, strict=False)]
    more = len(docs) > limit
    return docs[:limit], encode_cursor(str(docs[limit - 1][key])) if more else None
