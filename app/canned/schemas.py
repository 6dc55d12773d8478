"""Canned responses on the wire."""

from typing import Annotated

from pydantic import Field

from app.core.schemas import Id, RequestSchema, Schema, UtcDatetime, text
from app.core.templates import MAX_SOURCE

SHORTCUT_PATTERN = "^[a-z0-9_-]{1,32}$"


class CannedIn(RequestSchema):
    title: Annotated[str, text(1, 200)]
    body: Annotated[
        str,
        text(1, MAX_SOURCE),
        Field(
            description="A template: text with {{ customer.name }}, {{ ticket.id }}, "
            '{{ ticket.subject }}, {{ agent.name }}, optionally | default("...")'
        ),
    ]
    shortcut: Annotated[
        str | None,
        Field(
            pattern=SHORTCUT_PATTERN,
            description="What follows `::` in the composer; unique among the owner's",
        ),
    ] = None
    shared: Annotated[
        bool, Field(description="Seen by all staff; created and changed by admins only")
    ] = False


class CannedOut(Schema):
    id: Id
    title: str
    body: str
    shortcut: str | None
    shared: bool
    owner_id: Id | None = Field(description="The agent a personal one belongs to; null if shared")
    created_at: UtcDatetime
    updated_at: UtcDatetime


class CannedListOut(Schema):
    canned_responses: list[CannedOut] = Field(
        description="The caller's personal ones, then the shared ones, each by title"
    )


class CannedSavedOut(Schema):
    message: str
    canned_response: CannedOut


class RenderedOut(Schema):
    body: str = Field(description="The body with the ticket's names filled in, to edit and send")
