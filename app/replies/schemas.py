"""The public reply thread."""

from typing import Annotated, Literal

from pydantic import Field

from app.core.schemas import Id, RequestSchema, Schema, UtcDatetime, text
from app.tickets.schemas import AttachmentIds, AttachmentOut, AuthorOut


class ReplyIn(RequestSchema):
    body: Annotated[str, text(1, 10_000)]
    attachment_ids: AttachmentIds = Field(
        default=[], description="Public attachments of the same ticket, at most 10"
    )


class ReplyOut(Schema):
    id: Id
    ticket_id: Id
    author: AuthorOut
    body: str
    attachments: list[AttachmentOut]
    created_at: UtcDatetime
    via: Literal["web", "email"] = Field(
        default="web", description="How it was written: in the console or API, or by e-mail"
    )


class ReplyCreatedOut(Schema):
    message: str
    reply: ReplyOut


class ReplyListOut(Schema):
    replies: list[ReplyOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page")
