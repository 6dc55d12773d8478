"""The stored ticket, internal note and feedback: typed shapes and one constructor each, used
by the service, `seed-demo` and the test factories alike."""

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, NotRequired, TypedDict

from bson import ObjectId

from app.core.clock import utcnow
from app.tickets import search


class TicketStatus(StrEnum):
    OPEN = "Open"
    IN_PROGRESS = "In Progress"
    ON_HOLD = "On Hold"
    RESOLVED = "Resolved"
    CLOSED = "Closed"


class Priority(StrEnum):
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


class Category(StrEnum):
    DAMAGED = "Damaged"
    LOST = "Lost"
    LATE = "Late"
    QUALITY = "Quality"
    OTHER = "Other"


PRIORITY_RANK = {Priority.HIGH.value: 3, Priority.MEDIUM.value: 2, Priority.LOW.value: 1}
FINISHED = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)
Deadline = Literal["first_response", "resolution"]


class TicketDoc(TypedDict):
    _id: ObjectId
    customer_id: ObjectId
    agent_id: ObjectId | None
    subject: str
    description: str
    category: str  # a Category value
    delivery_id: str | None
    status: str  # a TicketStatus value
    priority: str  # a Priority value
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    reopened_at: list[datetime]  # each reopening (Resolved back to work)
    note_count: int  # internal notes written (guarded by the assignment, see service.py)
    reply_count: int
    last_reply_at: datetime | None
    first_response_at: datetime | None  # the first staff reply; set once
    attachment_count: int  # held under MAX_ATTACHMENTS_PER_TICKET by a guarded $inc
    tags: list[str]  # staff-only labels (tags.py); tickets older than tags have none
    terms: list[str]  # search terms of subject, description, delivery id, public replies
    # The SLA clock (see sla.py): deadlines, when the resolution clock started, time on hold.
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    sla_started_at: datetime
    sla_paused_at: datetime | None
    sla_paused_seconds: float
    sla_breached: list[str]  # Deadline values, each recorded once
    # Every list pages on one unique key per sort; see core/pagination.py for why one field.
    # order_key "<created_at, ms, UTC>|<_id hex>" orders by (created_at, _id); the others
    # are derived by sort_keys() and rewritten by every change of what they hold.
    order_key: str
    version: int  # bumped by every change: the ticket's ETag for staff
    public_version: int  # bumped by changes of CUSTOMER_FIELDS: the ETag customers see
    updated_key: str  # "<updated_at>|<_id>"
    priority_key: str  # "<rank, 3 = High>|<order_key>"
    due_key: str  # "<next running deadline>|<order_key>", "~|<order_key>" without one
    merged_into: NotRequired[ObjectId | None]  # the target of a merge (app/merges); Closed
    suggestion_session: NotRequired[str]  # the new-ticket form's FAQ suggestions (app/faq)
    # How often it became Resolved (write.py counts it): each time opens a survey (surveys.py)
    # and allows one rating. Tickets resolved before surveys existed have none.
    resolution_cycle: NotRequired[int]


class NoteDoc(TypedDict):
    _id: ObjectId
    ticket_id: ObjectId
    agent_id: ObjectId  # the author: the assigned agent or an admin
    note: str
    attachments: list[dict[str, Any]]  # summaries of attachments of the same ticket
    created_at: datetime


class FeedbackDoc(TypedDict):
    _id: ObjectId
    ticket_id: ObjectId  # unique with cycle: one rating per resolution
    cycle: int | None  # the ticket's resolution_cycle rated (None: resolved before surveys)
    customer_id: ObjectId
    agent_id: ObjectId | None
    rating: int
    comment: str | None
    created_at: datetime


# The stored fields a customer's view of the ticket shows or is computed from. A write that
# changes none of them (an internal note, an attachment's place, a breach recorded after its
# deadline had already passed: `sla.breached_now` shows it either way) leaves the customer's
# ETag as it was, so a customer cannot tell that staff did something internal.
CUSTOMER_FIELDS = frozenset(
    {
        "customer_id",
        "agent_id",
        "subject",
        "description",
        "category",
        "delivery_id",
        "status",
        "priority",
        "created_at",
        "updated_at",
        "resolved_at",
        "closed_at",
        "reply_count",
        "last_reply_at",
        "first_response_at",
        "first_response_due_at",
        "resolution_due_at",
        "sla_paused_at",
        "merged_into",
    }
)


def etag(ticket: Mapping[str, Any], *, internal: bool) -> str:
    """The ticket's entity tag (RFC 9110) for a view: staff's (`internal`) over its whole
    state, its version; a customer's over what they see, its public version, marked `c` so
    that one view's tag never names the other's."""
    if internal:
        return f'"{ticket.get("version", 0)}"'
    return f'"c{ticket.get("public_version", 0)}"'


def names_etag(header: str, ticket: Mapping[str, Any], *, internal: bool) -> bool:
    """Whether an If-Match / If-None-Match header names the current ETag of the caller's view
    of the ticket (or `*`)."""
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag(ticket, internal=internal) in tags


def timestamp(moment: datetime) -> str:
    """A UTC time as a string whose order is the time's (milliseconds, like the database)."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def order_key(created_at: datetime, ticket_id: ObjectId) -> str:
    return f"{timestamp(created_at)}|{ticket_id}"


NO_DEADLINE = "~"  # sorts after every timestamp


def running_deadlines(ticket: Mapping[str, Any]) -> dict[Deadline, datetime]:
    """The deadlines still ahead of the ticket's work: not met, not yet breached, not paused."""
    breached = ticket.get("sla_breached") or []
    running: dict[Deadline, datetime] = {}
    first = ticket.get("first_response_due_at")
    first_pending = ticket.get("first_response_at") is None and "first_response" not in breached
    if first is not None and first_pending and ticket["status"] != TicketStatus.CLOSED:
        running["first_response"] = first
    due = ticket.get("resolution_due_at")
    resolution_pending = ticket["status"] not in FINISHED and "resolution" not in breached
    if due is not None and resolution_pending and not ticket.get("sla_paused_at"):
        running["resolution"] = due
    return running


def next_due(ticket: Mapping[str, Any]) -> datetime | None:
    running = running_deadlines(ticket)
    return min(running.values()) if running else None


def missed_by(ticket: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """For tickets made with a past creation time (seed-demo, benchmarks): the deadlines
    already missed by `now` recorded as breached (no events: history made up at once), and
    the keys that follow."""
    passed = [kind for kind, due in running_deadlines(ticket).items() if due <= now]
    breached = {"sla_breached": [*ticket.get("sla_breached", []), *passed]}
    return {**breached, **sort_keys({**ticket, **breached})}


def sort_keys(ticket: Mapping[str, Any]) -> dict[str, str]:
    """The keys of the other sorts, from the ticket's current fields: every write that changes
    updated_at, priority, status or the SLA fields writes these again."""
    due = next_due(ticket)
    return {
        "updated_key": f"{timestamp(ticket['updated_at'])}|{ticket['_id']}",
        "priority_key": f"{PRIORITY_RANK[ticket['priority']]}|{ticket['order_key']}",
        "due_key": f"{timestamp(due) if due else NO_DEADLINE}|{ticket['order_key']}",
    }


def new_ticket(
    *,
    customer_id: ObjectId,
    subject: str,
    description: str,
    category: Category,
    delivery_id: str | None = None,
    status: TicketStatus = TicketStatus.OPEN,
    priority: Priority = Priority.MEDIUM,
    agent_id: ObjectId | None = None,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
    clock: Mapping[str, Any] | None = None,
) -> TicketDoc:
    """A new ticket. Customers' tickets start Open, Medium, unassigned; the demo seeder and
    the tests pass other states. `clock`: its SLA deadlines (sla.start_clock), none without."""
    created_at = created_at or utcnow()
    updated_at = updated_at or created_at
    ticket_id = ObjectId()
    done = status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    ticket = TicketDoc(
        _id=ticket_id,
        customer_id=customer_id,
        agent_id=agent_id,
        subject=subject,
        description=description,
        category=category.value,
        delivery_id=delivery_id,
        status=status.value,
        priority=priority.value,
        created_at=created_at,
        updated_at=updated_at,
        resolved_at=updated_at if done else None,
        closed_at=updated_at if status == TicketStatus.CLOSED else None,
        reopened_at=[],
        note_count=0,
        reply_count=0,
        last_reply_at=None,
        first_response_at=None,
        attachment_count=0,
        tags=[],
        terms=search.terms_of(subject, description, delivery_id),
        first_response_due_at=None,
        resolution_due_at=None,
        sla_started_at=created_at,
        sla_paused_at=None,
        sla_paused_seconds=0.0,
        sla_breached=[],
        order_key=order_key(created_at, ticket_id),
        version=1,
        public_version=1,
        updated_key="",
        priority_key="",
        due_key="",
    )
    ticket.update(clock or {})  # type: ignore[typeddict-item]
    ticket.update(sort_keys(ticket))  # type: ignore[typeddict-item]
    return ticket


def new_note(
    *,
    ticket_id: ObjectId,
    author_id: ObjectId,
    note: str,
    attachments: list[dict[str, Any]] | None = None,
    created_at: datetime | None = None,
) -> NoteDoc:
    return NoteDoc(
        _id=ObjectId(),
        ticket_id=ticket_id,
        agent_id=author_id,
        note=note,
        attachments=attachments or [],
        created_at=created_at or utcnow(),
    )


def new_feedback(
    *, ticket: TicketDoc, rating: int, comment: str | None, created_at: datetime | None = None
) -> FeedbackDoc:
    return FeedbackDoc(
        _id=ObjectId(),
        ticket_id=ticket["_id"],
        cycle=ticket.get("resolution_cycle"),
        customer_id=ticket["customer_id"],
        agent_id=ticket["agent_id"],
        rating=rating,
        comment=comment or None,
        created_at=created_at or utcnow(),
    )
