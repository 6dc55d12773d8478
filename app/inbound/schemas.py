"""Answers about mail that came in."""

from typing import Literal

from pydantic import ConfigDict, Field

from app.core.schemas import Id, Schema, UtcDatetime


class InboundOut(Schema):
    message: str
    result: Literal["reply", "new_ticket", "quarantined", "duplicate"]
    ticket_id: Id | None = Field(
        default=None, description="The ticket replied to or opened (or matched, when quarantined)"
    )


class EmailOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    id: Id
    message_id: str
    sender: str = Field(alias="from")
    subject: str
    received_at: UtcDatetime
    status: Literal["processing", "reply", "new_ticket", "quarantined"]
    reason: str | None = None
    size: int


class EmailListOut(Schema):
    emails: list[EmailOut]


class QuarantinedOut(Schema):
    id: Id
    sender: str = Field(alias="from")
    subject: str
    reason: str | None
    received_at: UtcDatetime


class QuarantineOut(Schema):
    messages: list[QuarantinedOut]
