"""Macros on the wire: the macro, and the answer of applying one."""

from typing import Annotated, Self

from pydantic import Field, model_validator

from app.core.schemas import Id, RequestSchema, Schema, UtcDatetime, text
from app.core.templates import MAX_SOURCE
from app.replies.schemas import ReplyOut
from app.tickets.documents import Priority, TicketStatus
from app.tickets.schemas import NoteCreatedSummary, StaffTicketOut
from app.tickets.tags import ADDED_AND_REMOVED
from app.tickets.tool_schemas import Tags

TEMPLATE = (
    "A template: text with {{ customer.name }}, {{ ticket.id }}, {{ ticket.subject }}, "
    '{{ agent.name }}, optionally | default("...")'
)
Template = Annotated[str, text(1, MAX_SOURCE)]


class MacroIn(RequestSchema):
    """A title and at least one action."""

    title: Annotated[str, text(1, 200)]
    reply: Template | None = Field(default=None, description=f"A public reply. {TEMPLATE}")
    note: Template | None = Field(default=None, description=f"An internal note. {TEMPLATE}")
    set_status: TicketStatus | None = Field(
        default=None, description="Within the workflow's transitions from the ticket's status"
    )
    set_priority: Priority | None = None
    add_tags: Tags
    remove_tags: Tags

    @model_validator(mode="after")
    def _something_to_do(self) -> Self:
        wanted = (self.reply, self.note, self.set_status, self.set_priority)
        if all(v is None for v in wanted) and not (self.add_tags or self.remove_tags):
            raise ValueError("Give at least one action.")
        return self

    @model_validator(mode="after")
    def _tags_once(self) -> Self:
        if set(self.add_tags) & set(self.remove_tags):
            raise ValueError(ADDED_AND_REMOVED)
        return self


class MacroOut(Schema):
    id: Id
    title: str
    reply: str | None
    note: str | None
    set_status: TicketStatus | None
    set_priority: Priority | None
    add_tags: list[str]
    remove_tags: list[str]
    created_at: UtcDatetime
    updated_at: UtcDatetime


class MacroListOut(Schema):
    macros: list[MacroOut] = Field(description="By title")


class MacroSavedOut(Schema):
    message: str
    macro: MacroOut


class MacroAppliedOut(Schema):
    message: str
    ticket: StaffTicketOut = Field(description="The ticket as the macro leaves it")
    reply: ReplyOut | None = Field(
        default=None, description="The public reply sent, when the macro has one"
    )
    note: NoteCreatedSummary | None = Field(
        default=None, description="The internal note added, when the macro has one"
    )
