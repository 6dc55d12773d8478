"""Webhooks' and deliveries' collections and indexes."""

from typing import cast

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from app.core.db import Database
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
