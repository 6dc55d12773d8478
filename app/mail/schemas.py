"""Mail preferences and the outbox, on the wire."""

from typing import Literal

from pydantic import Field

from app.core.schemas import Id, RequestSchema, Schema


class NotificationsIn(RequestSchema):
    email: dict[str, bool] = Field(
        description="Kinds to turn on (true) or off (false); kinds not given keep their value"
    )


class NotificationsOut(Schema):
    email: dict[str, bool] = Field(description="Every kind of mail for the caller's role")


class OutboxMessageOut(Schema):
    id: Id
    to: str
    subject: str
    status: Literal["queued", "sent", "failed"]
    attempts: int
    last_error: str | None
    ticket_id: Id | None


class OutboxOut(Schema):
    messages: list[OutboxMessageOut]


class UnsubscribedOut(Schema):
    message: str
    kind: str
