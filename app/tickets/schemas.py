"""Tickets, internal notes and feedback: one schema per request and per response."""

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from app.auth.documents import Role
from app.core.ids import IdStr
from app.core.schemas import Id, RequestSchema, Schema, UtcDatetime, text
from app.presence.schemas import ViewerOut
from app.tickets.documents import Category, Priority, TicketStatus
from app.tickets.sla import breached_now

# Ticket detail shows at most this many internal notes: the newest.
NOTES_SHOWN = 500

Subject = Annotated[str, text(1, 200)]
LongText = Annotated[str, text(1, 5000)]
DeliveryId = Annotated[str, text(1, 64)]
# A new-ticket form's random id, sent with its FAQ suggestions and its ticket (deflection).
SuggestionSession = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,64}$")]


class TicketCreate(RequestSchema):
    subject: Subject
    description: LongText
    category: Category
    delivery_id: DeliveryId | None = None
    suggestion_session: SuggestionSession | None = Field(
        default=None, description="The form's id sent with its FAQ suggestions, if any"
    )


class TicketCreatedSummary(Schema):
    id: Id
    subject: str
    status: TicketStatus
    created_at: UtcDatetime


class TicketCreatedOut(Schema):
    message: str
    ticket: TicketCreatedSummary


class SlaOut(Schema):
    """The ticket's promise: its deadlines, which were missed, and whether the resolution
    clock is paused (On Hold). Deadlines are null on tickets older than the SLA feature."""

    first_response_due_at: UtcDatetime | None
    resolution_due_at: UtcDatetime | None
    breached: list[Literal["first_response", "resolution"]] = Field(
        description="Deadlines missed: recorded ones and running ones already past"
    )
    paused: bool

    @classmethod
    def of(cls, ticket: Mapping[str, Any], now: datetime) -> "SlaOut":
        return cls(
            first_response_due_at=ticket.get("first_response_due_at"),
            resolution_due_at=ticket.get("resolution_due_at"),
            breached=breached_now(ticket, now),
            paused=ticket.get("sla_paused_at") is not None,
        )


class _TicketBase(Schema):
    id: Id
    subject: str
    category: Category
    status: TicketStatus
    priority: Priority
    created_at: UtcDatetime
    updated_at: UtcDatetime
    reply_count: int = 0
    last_reply_at: UtcDatetime | None = None
    first_response_at: UtcDatetime | None = Field(
        default=None, description="When staff first replied in the public thread"
    )
    sla: SlaOut
    merged_into: Id | None = Field(
        default=None, description="The ticket this one was merged into (then Closed)"
    )

    @classmethod
    def at(cls, ticket: Mapping[str, Any], now: datetime) -> Self:
        """The stored ticket as of `now`, the request's one time: running deadlines already
        past `now` show as breached."""
        return cls.from_doc(ticket, sla=SlaOut.of(ticket, now))


class TicketListItem(_TicketBase):
    """A customer's own ticket in their list."""

    description: str
    agent_id: Id | None
    resolved_at: UtcDatetime | None


class TicketOut(TicketListItem):
    customer_id: Id
    delivery_id: str | None
    closed_at: UtcDatetime | None


class AgentTicketListItem(_TicketBase):
    description: str
    tags: list[str] = []
    agent_id: Id | None = Field(description="null while the ticket waits in the queue")
    customer_id: Id
    customer_name: str | None


class AdminTicketListItem(_TicketBase):
    agent_id: Id | None
    customer_id: Id
    customer_name: str | None
    agent_name: str | None
    tags: list[str] = []


class CustomerTicketList(Schema):
    tickets: list[TicketListItem]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last"
    )


class AgentTicketList(Schema):
    tickets: list[AgentTicketListItem]
    next_cursor: str | None


class AdminTicketList(Schema):
    tickets: list[AdminTicketListItem]
    next_cursor: str | None


class AuthorOut(Schema):
    id: Id
    name: str
    role: Role


class AttachmentOut(Schema):
    """A file on a ticket (photos of the damage, a receipt); bytes at
    GET /api/support/attachments/{id}/."""

    id: Id
    ticket_id: Id
    filename: str
    content_type: str
    size: int = Field(description="Bytes as stored (images are stored without metadata)")
    sha256: str
    visibility: Literal["public", "internal"]
    uploaded_by: AuthorOut
    created_at: UtcDatetime


AttachmentIds = Annotated[list[IdStr], Field(max_length=10)]


class NoteOut(Schema):
    id: Id
    agent_id: Id
    note: str
    attachments: list[AttachmentOut] = []
    created_at: UtcDatetime


class StaffTicketOut(TicketOut):
    tags: list[str] = Field(default=[], description="Staff only: never in a customer's view")


class CustomerTicketDetail(Schema):
    """What the owning customer sees: internal notes are not part of it at all."""

    view: Literal["customer"] = "customer"
    ticket: TicketOut


class StaffTicketDetail(Schema):
    """What the assigned agent and admins see: the ticket and its internal notes."""

    view: Literal["staff"] = "staff"
    ticket: StaffTicketOut
    internal_notes: list[NoteOut] = Field(
        description=f"Oldest first; at most the newest {NOTES_SHOWN} of the ticket's notes"
    )
    viewers: list[ViewerOut] = Field(
        description="Other staff on the ticket now (presence); not covered by the ETag"
    )


class TicketStatusUpdate(RequestSchema):
    """A new status, a new priority, or both (at least one)."""

    status: TicketStatus | None = None
    priority: Priority | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> "TicketStatusUpdate":
        if self.status is None and self.priority is None:
            raise ValueError("Give a status, a priority, or both.")
        return self


TicketDetail = Annotated[StaffTicketDetail | CustomerTicketDetail, Field(discriminator="view")]


class StatusSummary(Schema):
    id: Id
    status: TicketStatus
    priority: Priority


class StatusUpdatedOut(Schema):
    message: str
    ticket: StatusSummary


class AssignmentSummary(Schema):
    id: Id
    status: TicketStatus
    agent_id: Id


class AssignedOut(Schema):
    message: str
    ticket: AssignmentSummary


class ReassignIn(RequestSchema):
    agent_id: IdStr


class ReassignmentSummary(Schema):
    id: Id
    agent_id: Id


class ReassignedOut(Schema):
    message: str
    ticket: ReassignmentSummary


class NoteIn(RequestSchema):
    note: LongText
    attachment_ids: AttachmentIds = Field(
        default=[], description="Public or internal attachments of the same ticket"
    )


class NoteCreatedSummary(Schema):
    id: Id
    note: str
    attachments: list[AttachmentOut] = []
    created_at: UtcDatetime


class NoteCreatedOut(Schema):
    message: str
    note: NoteCreatedSummary
