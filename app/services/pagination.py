"""Ids from paths and opaque keyset cursors, shared by every list."""

import base64
import binascii

from bson import ObjectId
from bson.errors import InvalidId

from app.errors import FieldError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def to_object_id(value: str) -> ObjectId | None:
    """The ObjectId a path or body id names, or None when it cannot name one (callers answer
    404 for a path id, a field error for a body id)."""
    try:
        return ObjectId(value) if len(value) == 24 else None
    except (InvalidId, TypeError):
        return None


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        position = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise FieldError("cursor", "Invalid cursor.") from None
    if not position or not position.isprintable():
        raise FieldError("cursor", "Invalid cursor.")
    return position


def next_cursor(positions: list[str], limit: int) -> str | None:
    """Callers fetch limit + 1 rows: the extra one only says whether another page exists."""
    return encode_cursor(positions[limit - 1]) if len(positions) > limit else None


_SMALLEST_ID = ObjectId("0" * 24)


def after_id(cursor: str | None) -> ObjectId:
    """Lists ordered by _id page on `_id > after_id(cursor)`. The first page too has this
    range (from the smallest id): a range is an index scan on every server, while a bare
    sort on _id is a collection scan on SecantusDB."""
    if cursor is None:
        return _SMALLEST_ID
    after = to_object_id(decode_cursor(cursor))
    if after is None:
        raise FieldError("cursor", "Invalid cursor.")
    return after
