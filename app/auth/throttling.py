"""Sliding-window throttles kept in MongoDB, shared by every worker and instance.

One document per key holds its most recent attempts (at most limit + 1, newest last). An
attempt is recorded before the expensive work it guards, by one atomic update that appends it
and returns the list: the database serializes concurrent attempts, so each sees exactly the
ones before it, and of any number of simultaneous attempts exactly the ones the limit allows
pass. A successful login removes its own attempt, so what stays counted are failures. A TTL
index removes a key's document a window after its last attempt.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from ipaddress import IPv6Address, ip_address, ip_network

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

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


async def _append(db: Database, throttle: Throttle, entry: Document) -> list[Document]:
    """Appends `entry` to the key's attempts; returns them as they stand after it."""
    update = {
        "$push": {"attempts": {"$each": [entry], "$slice": -(throttle.limit + 1)}},
        "$set": {"expires_at": entry["at"] + throttle.window},
    }
    for _ in range(3):  # first attempts may race to create the document
        try:
            doc = await queries.append_throttle_attempt(db, throttle.key, update)
        except DuplicateKeyError:
            continue
        if doc is not None:
            return list(doc["attempts"])
    raise DuplicateKeyError(f"throttle {throttle.key}")  # pragma: no cover


async def record_attempt(db: Database, throttles: Sequence[Throttle], *, message: str) -> Attempt:
    """Records one attempt under every throttle, then refuses it (429 with Retry-After) if any
    throttle already saw `limit` attempts within its window before this one."""
    now, attempt_id = utcnow(), ObjectId()
    entry = {"id": attempt_id, "at": now}
    seen = await asyncio.gather(*(_append(db, t, entry) for t in throttles))
    for throttle, attempts in zip(throttles, seen, strict=True):
        mine = next(i for i, a in enumerate(attempts) if a["id"] == attempt_id)
        before = [a for a in attempts[:mine] if a["at"] > now - throttle.window]
        if len(before) >= throttle.limit:
            metrics.THROTTLE_TRIPS.labels(throttle.name).inc()
            security_event(
                "throttle_tripped", level=logging.WARNING, throttle=throttle.name, key=throttle.key
            )
            retry_after = (before[-throttle.limit]["at"] + throttle.window - now).total_seconds()
            raise TooManyRequests(message, retry_after=int(retry_after) + 1)
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
