"""The event feed: what a caller may see of everything that happened, oldest first; and the
single-use tokens that open its live stream."""

import hashlib
import secrets
from datetime import timedelta

from bson import ObjectId

from app.auth.principal import User
from app.core.clock import utcnow
from app.core.cursors import decode_cursor, encode_cursor
from app.core.db import Database
from app.core.errors import FieldError, NotAuthenticated
from app.events import queries
from app.events.documents import EventDoc, EventType
from app.events.schemas import EventOut, EventPageOut

KNOWN_TYPES = {t.value for t in EventType}


def parse_types(types: str | None) -> list[str] | None:
    """`types=ticket.created,reply.created` (a comma list); unknown names are a field error."""
    if not types:
        return None
    wanted = [t.strip() for t in types.split(",") if t.strip()]
    unknown = sorted(set(wanted) - KNOWN_TYPES)
    if unknown:
        raise FieldError("types", f"Unknown event types: {', '.join(unknown)}.")
    return wanted


def page_out(found: list[EventDoc], next_cursor: str | None) -> EventPageOut:
    return EventPageOut(
        events=[EventOut.of(e) for e in found],
        next_cursor=decode_cursor(next_cursor) if next_cursor else None,
    )


def feed_position(*, cursor: str | None, after: str | None) -> str | None:
    """Where the feed goes on from: `cursor` (a page's next_cursor, as every list takes it) or
    `after` (the same event id, under the feed's older name); both are fine when they agree."""
    for name, position in (("cursor", cursor), ("after", after)):
        if position is not None and queries.IN_ORDER.parse(position) is None:
            raise FieldError(name, "Not an event id.")
    if cursor is not None and after is not None and cursor != after:
        raise FieldError("cursor", "Give cursor or after, not two different positions.")
    return cursor if cursor is not None else after


async def read_feed(
    *,
    db: Database,
    user: User,
    cursor: str | None,
    after: str | None,
    types: str | None,
    limit: int,
) -> EventPageOut:
    """Events after the position (an event id) that the caller may see."""
    position = feed_position(cursor=cursor, after=after)
    found, next_cursor = await queries.page(
        db,
        queries.visible_to(user),
        types=parse_types(types),
        limit=limit,
        cursor=encode_cursor(position) if position else None,
    )
    return page_out(found, next_cursor)


STREAM_TOKEN_SECONDS = 60


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_stream_token(*, db: Database, user: User) -> str:
    """A short-lived, single-use token for `?token=` (EventSource cannot send headers, and an
    access token in a URL would end up in logs)."""
    token = secrets.token_urlsafe(32)
    await db.stream_tokens.insert_one(
        {
            "_id": _token_key(token),
            "user_id": user.id,
            "session": user.session,  # the stream ends with the login it came from
            "expires_at": utcnow() + timedelta(seconds=STREAM_TOKEN_SECONDS),
        }
    )
    return token


async def spend_stream_token(*, db: Database, token: str) -> tuple[ObjectId, ObjectId]:
    """The user a stream token was issued to, and their login; it works once, within its
    lifetime: of simultaneous uses, the one whose delete removed it. A read and a delete by
    `_id`, not a `findAndModify` (tests/system/test_architecture.py says why)."""
    key = _token_key(token)
    spent = await db.stream_tokens.find_one({"_id": key})
    if spent is not None and (await db.stream_tokens.delete_one({"_id": key})).deleted_count == 0:
        spent = None  # another use spent it between the read and the delete
    # (One without "session" was issued before stream tokens named their login.)
    if spent is None or spent["expires_at"] <= utcnow() or "session" not in spent:
        raise NotAuthenticated("Invalid or expired stream token")
    return spent["user_id"], spent["session"]
