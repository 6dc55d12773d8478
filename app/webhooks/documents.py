"""Stored webhooks and their deliveries (the durable queue)."""

from datetime import datetime
from typing import Any, Literal, NotRequired, TypedDict

from bson import ObjectId

from app.core.clock import utcnow


class WebhookDoc(TypedDict):
    _id: ObjectId
    url: str
    event_types: list[str]  # empty: every type
    description: str
    enabled: bool
    secret: str  # "whsec_<base64>": signs every delivery; shown on creation and rotation only
    cursor: int  # the last event (seq) turned into deliveries for this webhook
    failing_since: datetime | None  # first failure of the current run of failures
    created_at: datetime
    updated_at: datetime


DeliveryStatus = Literal["pending", "delivered", "failed"]


class DeliveryDoc(TypedDict):
    _id: ObjectId
    webhook_id: ObjectId
    event_seq: int  # unique with webhook_id: an event is queued once per webhook
    event_type: str
    body: str  # the signed JSON, the same on every attempt
    status: DeliveryStatus
    attempt_count: int
    attempts: list[dict[str, Any]]  # at, status_code, duration_ms, error (the newest 20)
    next_attempt_at: datetime
    # A deliverer holds the delivery until then (the database server's clock; None: free),
    # and its results count only with the token of its claim (a fencing token).
    lease_until: datetime | None
    lease_owner: str | None
    lease_token: NotRequired[ObjectId]
    created_at: datetime
    delivered_at: datetime | None


def new_webhook(*, url: str, event_types: list[str], description: str, secret: str) -> WebhookDoc:
    now = utcnow()
    return WebhookDoc(
        _id=ObjectId(),
        url=url,
        event_types=event_types,
        description=description,
        enabled=True,
        secret=secret,
        cursor=0,
        failing_since=None,
        created_at=now,
        updated_at=now,
    )


def new_delivery(
    *, webhook_id: ObjectId, event_seq: int, event_type: str, body: str
) -> DeliveryDoc:
    now = utcnow()
    return DeliveryDoc(
        _id=ObjectId(),
        webhook_id=webhook_id,
        event_seq=event_seq,
        event_type=event_type,
        body=body,
        status="pending",
        attempt_count=0,
        attempts=[],
        next_attempt_at=now,
        lease_until=None,
        lease_owner=None,
        created_at=now,
        delivered_at=None,
    )
