"""The stored ticket, internal note and feedback: typed shapes and one constructor each, used
by the service, `seed-demo` and the test factories alike."""

from datetime import datetime
from enum import StrEnum
from typing import Any, TypedDict

from bson import ObjectId

from app.core.clock import utcnow


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
    note_count: int  # internal notes written (guarded by the assignment, see service.py)
    reply_count: int
    last_reply_at: datetime | None
    first_response_at: datetime | None  # the first staff reply; set once
    attachment_count: int  # held under MAX_ATTACHMENTS_PER_TICKET by a guarded $inc
    # Every list pages on this one unique key: "<created_at, ms, UTC>|<_id hex>", whose
    # order is exactly (created_at, _id); see core/pagination.py for why one field.
    order_key: str


class NoteDoc(TypedDict):
    _id: ObjectId
    ticket_id: ObjectId
    agent_id: ObjectId  # the author: the assigned agent or an admin
    note: str
    attachments: list[dict[str, Any]]  # summaries of attachments of the same ticket
    created_at: datetime


class FeedbackDoc(TypedDict):
    _id: ObjectId
    ticket_id: ObjectId  # unique: one feedback per ticket
    customer_id: ObjectId
    agent_id: ObjectId | None
    rating: int
    comment: str | None
    created_at: datetime


def order_key(created_at: datetime, ticket_id: ObjectId) -> str:
    return f"{created_at:%Y-%m-%dT%H:%M:%S}.{created_at.microsecond // 1000:03d}Z|{ticket_id}"


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
) -> TicketDoc:
    """A new ticket. Customers' tickets start Open, Medium, unassigned; the demo seeder and
    the tests pass other states."""
    created_at = created_at or utcnow()
    updated_at = updated_at or created_at
    ticket_id = ObjectId()
    done = status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    return TicketDoc(
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
        note_count=0,
        reply_count=0,
        last_reply_at=None,
        first_response_at=None,
        attachment_count=0,
        order_key=order_key(created_at, ticket_id),
    )


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
        customer_id=ticket["customer_id"],
        agent_id=ticket["agent_id"],
        rating=rating,
        comment=comment or None,
        created_at=created_at or utcnow(),
    )
