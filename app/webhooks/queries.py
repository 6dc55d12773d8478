"""Webhooks' and deliveries' collections and indexes: every access to them is here."""

from datetime import datetime
from typing import Any, cast

from bson import ObjectId
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from app.core import leases
from app.core.db import Database, Document
from app.events import queries as event_queries
from app.events.documents import EventDoc
from app.webhooks.documents import DeliveryDoc, WebhookDoc

INDEXES = {
    "webhooks": [IndexModel([("enabled", ASCENDING), ("_id", ASCENDING)], name="enabled_webhooks")],
    "webhook_deliveries": [
        # an event is queued once per webhook, whichever instance dispatches it
        IndexModel([("webhook_id", ASCENDING), ("event_seq", ASCENDING)], unique=True),
        # the due ones, oldest first
        IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="due"),
        # a webhook's delivery log
        IndexModel([("webhook_id", ASCENDING), ("_id", ASCENDING)], name="log"),
    ],
}


def webhooks(db: Database) -> AsyncCollection[WebhookDoc]:
    return cast(AsyncCollection[WebhookDoc], db.webhooks)


def deliveries(db: Database) -> AsyncCollection[DeliveryDoc]:
    return cast(AsyncCollection[DeliveryDoc], db.webhook_deliveries)


# Webhooks


async def find_webhook(db: Database, webhook_id: ObjectId) -> WebhookDoc | None:
    return await webhooks(db).find_one({"_id": webhook_id})


async def all_webhooks(db: Database) -> list[WebhookDoc]:
    """Oldest first (the `_id` range lets the index give the order)."""
    return await webhooks(db).find({"_id": {"$gt": ObjectId("0" * 24)}}).sort("_id", 1).to_list()


async def enabled_webhooks(db: Database) -> list[WebhookDoc]:
    return await webhooks(db).find({"enabled": True}).to_list()


async def update_webhook(
    db: Database, webhook_id: ObjectId, changes: Document
) -> WebhookDoc | None:
    """The webhook after `changes`; None when it is gone."""
    return await webhooks(db).find_one_and_update(
        {"_id": webhook_id}, {"$set": changes}, return_document=ReturnDocument.AFTER
    )


async def set_secret(db: Database, webhook_id: ObjectId, secret: str, now: datetime) -> None:
    await webhooks(db).update_one(
        {"_id": webhook_id}, {"$set": {"secret": secret, "updated_at": now}}
    )


async def advance_cursor(db: Database, webhook_id: ObjectId, seq: int) -> None:
    """Never backwards: another instance may have dispatched further."""
    await webhooks(db).update_one({"_id": webhook_id}, {"$max": {"cursor": seq}})


async def mark_failing(db: Database, webhook_id: ObjectId, since: datetime) -> None:
    """The first failure of a run: kept if another attempt marked it first."""
    await webhooks(db).update_one(
        {"_id": webhook_id, "failing_since": None}, {"$set": {"failing_since": since}}
    )


async def clear_failing(db: Database, webhook_id: ObjectId) -> None:
    await webhooks(db).update_one({"_id": webhook_id}, {"$set": {"failing_since": None}})


async def disable_webhook(
    db: Database, webhook_id: ObjectId, now: datetime, session: AsyncClientSession
) -> None:
    await webhooks(db).update_one(
        {"_id": webhook_id}, {"$set": {"enabled": False, "updated_at": now}}, session=session
    )


async def delete_webhook(db: Database, webhook_id: ObjectId) -> None:
    """With its pending deliveries (the log of made ones stays)."""
    await webhooks(db).delete_one({"_id": webhook_id})
    await deliveries(db).delete_many({"webhook_id": webhook_id, "status": "pending"})


# Deliveries


async def events_after(db: Database, seq: int, *, limit: int) -> list[EventDoc]:
    """The events that follow a webhook's cursor, in order."""
    return (
        await event_queries.events(db)
        .find({"seq": {"$gt": seq}})
        .sort("seq", 1)
        .limit(limit)
        .to_list()
    )


async def queue_deliveries(db: Database, queued: list[DeliveryDoc]) -> int:
    """How many were queued here: the unique index refuses those another instance queued."""
    try:
        await deliveries(db).insert_many(queued, ordered=False)
    except BulkWriteError as already:
        return int(already.details.get("nInserted", 0))
    return len(queued)


async def claim_due(
    db: Database, now: datetime, *, lease_ms: int, owner: str
) -> DeliveryDoc | None:
    """The most overdue pending delivery no live lease holds, leased to `owner`."""
    return await leases.claim_due(
        deliveries(db), {"status": "pending"}, now=now, lease_ms=lease_ms, owner=owner
    )


async def record_attempt(
    db: Database,
    delivery_id: ObjectId,
    *,
    token: ObjectId,
    changes: Document,
    attempt: dict[str, Any],
    kept: int,
) -> bool:
    """Whether it was recorded: only while the claim of `token` holds the lease (no other
    deliverer took it over since); the newest `kept` attempts are kept."""
    recorded = await deliveries(db).update_one(
        {"_id": delivery_id, "lease_token": token},
        {"$set": changes, "$push": {"attempts": {"$each": [attempt], "$slice": -kept}}},
    )
    return recorded.matched_count == 1


async def oldest_pending_created_at(db: Database) -> datetime | None:
    oldest = (
        await deliveries(db)
        .find({"status": "pending"}, {"created_at": 1})
        .sort("next_attempt_at", 1)
        .limit(1)
        .to_list()
    )
    return oldest[0]["created_at"] if oldest else None


async def requeue_delivery(
    db: Database, delivery_id: ObjectId, webhook_id: ObjectId, now: datetime
) -> DeliveryDoc | None:
    """Pending and due now, unless it was delivered (None then, or when it is not there),
    as read just after: an update and a read by `_id`, not a `findAndModify`
    (tests/system/test_architecture.py says why)."""
    queued = await deliveries(db).update_one(
        {"_id": delivery_id, "webhook_id": webhook_id, "status": {"$ne": "delivered"}},
        {"$set": {"status": "pending", "next_attempt_at": now}},
    )
    return await deliveries(db).find_one({"_id": delivery_id}) if queued.matched_count else None
