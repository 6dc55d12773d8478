"""Webhook registration and delivery records."""

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from app.core.schemas import Id, RequestSchema, Schema, UtcDatetime, text

EventTypes = Annotated[list[Annotated[str, text(1, 64)]], Field(max_length=50)]


class WebhookIn(RequestSchema):
    url: Annotated[str, text(8, 2000)]
    event_types: EventTypes = Field(
        default=[], description="Empty: every event type but ticket.presence"
    )
    description: Annotated[str, text(0, 500)] = ""


class WebhookPatch(RequestSchema):
    url: Annotated[str, text(8, 2000)] | None = None
    event_types: EventTypes | None = None
    description: Annotated[str, text(0, 500)] | None = None
    enabled: bool | None = None


class WebhookOut(Schema):
    id: Id
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    created_at: UtcDatetime


class WebhookCreatedOut(Schema):
    webhook: WebhookOut
    secret: str = Field(description="whsec_...: shown here and on rotation only")


class WebhookListOut(Schema):
    webhooks: list[WebhookOut]


class SecretOut(Schema):
    secret: str


class AttemptOut(Schema):
    at: UtcDatetime
    status_code: int | None
    duration_ms: float
    error: str | None


class DeliveryOut(Schema):
    id: Id
    event_id: str
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempt_count: int
    attempts: list[AttemptOut]
    next_attempt_at: UtcDatetime | None
    created_at: UtcDatetime
    delivered_at: UtcDatetime | None

    @classmethod
    def of(cls, doc: Mapping[str, object]) -> "DeliveryOut":
        pending = doc["status"] == "pending"
        next_at: datetime | None = doc["next_attempt_at"] if pending else None  # type: ignore[assignment]
        return cls.from_doc(doc, event_id=str(doc["event_seq"]), next_attempt_at=next_at)


class DeliveryListOut(Schema):
    deliveries: list[DeliveryOut]
    next_cursor: str | None
