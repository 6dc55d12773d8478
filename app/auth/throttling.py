"""Sliding-window throttles kept in MongoDB, shared by every worker and instance.

One document per key holds its most recent attempts (at most limit + 1, newest last). An
attempt is counted before the expensive work it guards, by one update by `_id` that appends
it only if fewer than `limit` attempts are within the window: the database serializes
simultaneous attempts, and the update's modified count says whether this one was let in, so
of any number of simultaneous attempts exactly the ones the limit allows pass. A refused
attempt is then appended too (every attempt counts), and the key read for its Retry-After.
Not a `findAndModify` (tests/system/test_architecture.py says why). A successful login
removes its own attempt, so what stays counted are failures. A TTL index removes a key's
document a window after its last attempt.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from ipaddress import IPv6Address, ip_address, ip_network

from bson import ObjectId

from app.auth import queries
from app.core import metrics
from app.core.clock import utcnow
from app.core.db import Database, Document
from app.core.errors import TooManyRequests
from app.core.log import security_event


@dataclass(frozen=True)
class Throttle:
    name: str  # what is limited, for the log: "login_pair", "login_address", ...
    key: str
    limit: int
    window: timedelta


@dataclass(frozen=True)
class Attempt:
    id: ObjectId
    keys: list[str]


def address_key(address: str) -> str:
    """IPv6 clients are keyed by their /64: one host usually holds a whole /64."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _appended(throttle: Throttle, entry: Document) -> Document:
    return {
        "$push": {"attempts": {"$each": [entry], "$slice": -(throttle.limit + 1)}},
        "$set": {"expires_at": entry["at"] + throttle.window},
    }


def _appended_if_allowed(throttle: Throttle, entry: Document) -> list[Document]:
    """Appends `entry` when fewer than `limit` attempts are within the window before it;
    else changes nothing."""
    attempts = {"$ifNull": ["$attempts", []]}
    since = entry["at"] - throttle.window
    recent = {"$filter": {"input": attempts, "cond": {"$gt": ["$$this.at", since]}}}
    allowed = {"$lt": [{"$size": recent}, throttle.limit]}
    appended = {"$concatArrays": [attempts, [{"$literal": entry}]]}
    kept = {"$slice": [appended, -(throttle.limit + 1)]}
    until = entry["at"] + throttle.window
    return [
        {
            "$set": {
                "attempts": {"$cond": [allowed, kept, "$attempts"]},
                "expires_at": {"$cond": [allowed, until, "$expires_at"]},
            }
        }
    ]


async def _count(db: Database, throttle: Throttle, entry: Document) -> int | None:
    """Counts the attempt `entry` under `throttle`: None when let in, else the seconds until
    a retry may be."""
    let_in = await queries.update_throttle(db, throttle.key, _appended_if_allowed(throttle, entry))
    if let_in is None or let_in.modified_count:  # (None: the key was reset meanwhile)
        return None
    await queries.update_throttle(db, throttle.key, _appended(throttle, entry))
    attempts = await queries.throttle_attempts(db, throttle.key)
    mine = next((i for i, a in enumerate(attempts) if a["id"] == entry["id"]), len(attempts))
    recent = [a["at"] for a in attempts[:mine] if a["at"] > entry["at"] - throttle.window]
    oldest = (recent[-throttle.limit :] or [entry["at"]])[0]  # the one whose end lets in
    return int((oldest + throttle.window - entry["at"]).total_seconds()) + 1


async def record_attempt(db: Database, throttles: Sequence[Throttle], *, message: str) -> Attempt:
    """Records one attempt under every throttle, then refuses it (429 with Retry-After) if any
    throttle already saw `limit` attempts within its window before this one."""
    attempt_id = ObjectId()
    entry = {"id": attempt_id, "at": utcnow()}
    counted = await asyncio.gather(*(_count(db, t, entry) for t in throttles))
    for throttle, retry_after in zip(throttles, counted, strict=True):
        if retry_after is not None:
            metrics.THROTTLE_TRIPS.labels(throttle.name).inc()
            security_event(
                "throttle_tripped", level=logging.WARNING, throttle=throttle.name, key=throttle.key
            )
            raise TooManyRequests(message, retry_after=retry_after)
    return Attempt(attempt_id, [t.key for t in throttles])


async def forget(db: Database, attempt: Attempt, *, reset: str | None = None) -> None:
    """A successful attempt: it is no longer counted, and with `reset` neither is any earlier
    one of that key (the failures of this email from this address)."""
    await asyncio.gather(
        *(
            queries.delete_throttle(db, key)
            if key == reset
            else queries.forget_throttle_attempt(db, key, attempt.id)
            for key in attempt.keys
        )
    )
