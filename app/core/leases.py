"""Work that any process may do, one at a time: a lease on a queued document, with a fencing
token. The webhook deliveries and the mail outbox are such queues (their queries.py say which
documents wait); the event sequencer and the SLA sweeper hold leases of their own."""

import os
import socket
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection

from app.core.db import SERVER_NOW_MS, Document

T = TypeVar("T", bound=Mapping[str, Any])
# Due documents tried per claim: more than processes ever deliver at once (one attempt each),
# so a free one is among them.
CANDIDATES = 64


def lease_owner() -> str:
    """Who holds a lease, for the logs and the documents: host, process, and this holder."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def claim_due(
    collection: AsyncCollection[T],
    waiting: Document,
    *,
    now: datetime,
    lease_ms: int,
    owner: str,
) -> T | None:
    """The most overdue `waiting` document no live lease holds, leased to `owner` for
    `lease_ms` with a new fencing token (`lease_token`: a result is recorded only while it
    still holds). Leases are compared and set on the database server's clock; `now`, the
    process's, says which documents are due (`next_attempt_at`). The due ones are read from
    their index and taken by `_id`, one update each, until one is free: not one
    `findAndModify` (tests/system/test_architecture.py says why)."""
    due = collection.find({**waiting, "next_attempt_at": {"$lte": now}}, {"_id": 1})
    for candidate in await due.sort("next_attempt_at", 1).limit(CANDIDATES).to_list():
        token = ObjectId()
        lease = {
            "lease_until": {"$add": ["$$NOW", lease_ms]},
            "lease_owner": {"$literal": owner},
            "lease_token": {"$literal": token},
        }
        free = {"$lte": [{"$toLong": "$lease_until"}, SERVER_NOW_MS]}
        taken = await collection.update_one(
            {"_id": candidate["_id"], **waiting},
            [
                {
                    "$set": {
                        name: {"$cond": [free, value, f"${name}"]} for name, value in lease.items()
                    }
                }
            ],
        )
        if taken.modified_count:
            return await collection.find_one({"_id": candidate["_id"], "lease_token": token})
    return None
