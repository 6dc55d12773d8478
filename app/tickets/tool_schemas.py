"""Requests and answers of the agent tools on tickets: tags and bulk changes."""

from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, field_validator, model_validator

from app.core.ids import IdStr
from app.core.schemas import Id, RequestSchema, Schema
from app.tickets.documents import Priority, TicketStatus
from app.tickets.schemas import LongText
from app.tickets.tags import MAX_TAGS, normalised_tag

MAX_BULK_TICKETS = 100

Tag = Annotated[
    str,
    AfterValidator(normalised_tag),
    Field(description="Lowercase letters, digits, '-' or '_', 1-32 characters", examples=["vip"]),
]
Tags = Annotated[list[Tag], Field(default=[], max_length=MAX_TAGS)]


class TagsIn(RequestSchema):
    add: Tags
    remove: Tags


class TicketTags(Schema):
    id: Id
    tags: list[str] = []


class TagsUpdatedOut(Schema):
    message: str
    ticket: TicketTags


class BulkIn(RequestSchema):
    """The same change for each named ticket; at least one change."""

    ticket_ids: list[IdStr] = Field(
        min_length=1, max_length=MAX_BULK_TICKETS, description="Each at most once"
    )
    set_status: TicketStatus | None = None
    set_priority: Priority | None = None
    assign_to: IdStr | None = Field(default=None, description="An approved agent (admins only)")
    add_tags: Tags
    remove_tags: Tags
    note: LongText | None = Field(default=None, description="An internal note")

    @field_validator("ticket_ids")
    @classmethod
    def _each_once(cls, ids: list[str]) -> list[str]:
        if len({i.lower() for i in ids}) != len(ids):
            raise ValueError("Name each ticket once.")
        return ids

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        wanted = (self.set_status, self.set_priority, self.assign_to, self.note)
        if all(v is None for v in wanted) and not (self.add_tags or self.remove_tags):
            raise ValueError("Give at least one change.")
        return self


class BulkTicketOut(Schema):
    id: Id
    status: TicketStatus
    priority: Priority
    agent_id: Id | None
    tags: list[str] = []


class BulkError(Schema):
    error: str
    code: str


class BulkDone(Schema):
    ticket_id: str
    ok: Literal[True] = True
    ticket: BulkTicketOut


class BulkFailed(Schema):
    ticket_id: str
    ok: Literal[False] = False
    error: BulkError


class BulkOut(Schema):
    results: list[BulkDone | BulkFailed] = Field(description="One per ticket, in the order given")
