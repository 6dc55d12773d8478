"""Sliding-window throttles kept in MongoDB (shared by every API instance).

One document per counted event; a TTL index removes them after the window. Counting reads at
most `limit` index entries, so a throttled key costs the same as a fresh one.
"""

from datetime import timedelta

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import TooManyRequests


async def ensure_not_throttled(
    db: Database, *, key: str, limit: int, window: timedelta, message: str
) -> int:
    """Raises 429 with Retry-After once `limit` events fell within `window`; else returns
    how many did."""
    now = utcnow()
    recent = (
        await db.throttle_events.find({"key": key, "at": {"$gt": now - window}}, {"at": 1})
        .sort("at", 1)
        .limit(limit)
        .to_list()
    )
    if len(recent) >= limit:
        retry_after = (recent[0]["at"] + window - now).total_seconds()
        raise TooManyRequests(message, retry_after=int(retry_after) + 1)
    return len(recent)


async def record_event(db: Database, *, key: str, window: timedelta) -> None:
    now = utcnow()
    await db.throttle_events.insert_one({"key": key, "at": now, "expires_at": now + window})


async def reset(db: Database, *, key: str) -> None:
    await db.throttle_events.delete_many({"key": key})
