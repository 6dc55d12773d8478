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
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from app.core.db import SERVER_NOW_MS, Document

T = TypeVar("T", bound=Mapping[str, Any])


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
    process's, says which documents are due (`next_attempt_at`)."""
    return await collection.find_one_and_update(
        {
            **waiting,
            "next_attempt_at": {"$lte": now},
            "$expr": {"$lte": [{"$toLong": "$lease_until"}, SERVER_NOW_MS]},
        },
        [
            {
                "$set": {
                    "lease_until": {"$add": ["$$NOW", lease_ms]},
                    "lease_owner": {"$literal": owner},
                    "lease_token": {"$literal": ObjectId()},
                }
            }
        ],
        sort=[("next_attempt_at", 1)],
        return_document=ReturnDocument.AFTER,
    )
