"""Admission of live streams: at most STREAM_MAX_PER_WORKER open in this process (counted
here), and at most STREAM_MAX_PER_USER per user across every worker and instance, counted in
MongoDB (`stream_slots`, one document per user with the slots it holds).

A slot has an id and an expiry on the database server's clock (`$$NOW`): taken in one atomic
write that counts the user's live slots, renewed every RENEW_SECONDS while its stream lives,
released when it ends. A process that dies leaves its slots to expire within LEASE. A stream
whose slot could not be renewed in time (the database away for a lease) ends: its place may
have gone to another stream. The user's document goes (TTL) a lease after its last write.
"""

import asyncio
import contextlib
import logging

import anyio
from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from app.core import metrics
from app.core.db import SERVER_NOW_MS, Database, Document, update_one_or_create
from app.core.errors import TooManyRequests

log = logging.getLogger("app.events")
LEASE_MS = 60_000
RENEW_SECONDS = 20
RELEASE_WAIT_SECONDS = 5
INDEXES = {"stream_slots": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]}
_UNTIL = {"$add": ["$$NOW", LEASE_MS]}


def _take(slot_id: ObjectId, max_per_user: int) -> list[Document]:
    """Drops the expired slots, then adds `slot_id` if fewer than `max_per_user` are left."""
    live = {
        "$filter": {
            "input": {"$ifNull": ["$slots", []]},
            "as": "slot",
            "cond": {"$gt": [{"$toLong": "$$slot.until"}, SERVER_NOW_MS]},
        }
    }
    new = [{"id": {"$literal": slot_id}, "until": _UNTIL}]
    return [
        {"$set": {"slots": live}},
        {
            "$set": {
                "slots": {
                    "$cond": [
                        {"$lt": [{"$size": "$slots"}, max_per_user]},
                        {"$concatArrays": ["$slots", new]},
                        "$slots",
                    ]
                }
            }
        },
        {"$set": {"expires_at": _UNTIL}},
    ]


def _renewed(slot_id: ObjectId) -> Document:
    """The slot, its expiry moved a lease on from now if it is `slot_id`."""
    mine = {"$eq": ["$$slot.id", slot_id]}
    return {"$cond": [mine, {"id": "$$slot.id", "until": _UNTIL}, "$$slot"]}


class StreamSlot:
    """One admitted stream's place; `lost` once it could not be renewed in time."""

    def __init__(self, admission: "StreamAdmission", user_id: ObjectId, slot_id: ObjectId):
        self.admission = admission
        self.user_id = user_id
        self.slot_id = slot_id
        self.lost = False
        self._renewing = asyncio.create_task(self._renew(), name="stream-slot")

    async def _renew(self) -> None:
        db = self.admission.db
        mine = {"_id": self.user_id, "slots.id": self.slot_id}
        renew: list[Document] = [
            {
                "$set": {
                    "slots": {
                        "$map": {"input": "$slots", "as": "slot", "in": _renewed(self.slot_id)}
                    }
                }
            },
            {"$set": {"expires_at": _UNTIL}},
        ]
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                renewed = await db.stream_slots.update_one(mine, renew)
            except Exception:  # the database away: try again, the lease has time for two more
                log.warning("could not renew a stream's slot", exc_info=True)
                continue
            if renewed.matched_count == 0:  # expired and dropped: the place is not ours
                self.lost = True
                return

    async def release(self) -> None:
        """The place back, bounded in time and shielded: the stream ends by cancellation
        when its client goes, and a slot not released only waits for its expiry."""
        self._renewing.cancel()
        self.admission.open_here -= 1
        metrics.OPEN_STREAMS.dec()
        with anyio.move_on_after(RELEASE_WAIT_SECONDS, shield=True), contextlib.suppress(Exception):
            await self.admission.db.stream_slots.update_one(
                {"_id": self.user_id}, {"$pull": {"slots": {"id": self.slot_id}}}
            )


class StreamAdmission:
    """The stream places of one process (one per app)."""

    def __init__(self, db: Database, *, max_per_worker: int, max_per_user: int) -> None:
        self.db = db
        self.max_per_worker = max_per_worker
        self.max_per_user = max_per_user
        self.open_here = 0

    async def admit(self, user_id: ObjectId) -> StreamSlot:
        """A place for one more stream of the user, or 429."""
        if self.open_here >= self.max_per_worker:
            raise TooManyRequests("Too many open event streams on this server", retry_after=5)
        self.open_here += 1  # held while the database answers: the cap holds at once too
        try:
            slot_id = await self._take(user_id)
        except BaseException:
            self.open_here -= 1
            raise
        metrics.OPEN_STREAMS.inc()
        return StreamSlot(self, user_id, slot_id)

    async def _take(self, user_id: ObjectId) -> ObjectId:
        """One conditional update by `_id`, then a read by `_id` that says whether the slot is
        there (not a `findAndModify`: tests/system/test_architecture.py says why)."""
        slot_id = ObjectId()
        taken = await update_one_or_create(
            self.db.stream_slots, user_id, _take(slot_id, self.max_per_user)
        )
        mine = {"_id": user_id, "slots.id": slot_id}
        if not taken or await self.db.stream_slots.find_one(mine, {"_id": 1}) is None:
            raise TooManyRequests("Too many open event streams for this user", retry_after=5)
        return slot_id
