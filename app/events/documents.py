"""The stored event: one typed record per change, written in the change's own transaction.

It is written `pending`, without a number; the sequencer (sequencer.py) then gives it its
`seq`, an integer in commit order, gap-free: the event's id on the wire and a cursor. (Not
`_id`: a range on `_id` is not an index scan on every server; tests/system/test_db_contract.py.)
Every read of events is a range of `seq`, so no reader sees a pending one. An event carries
its audience (the ticket's customer and assigned agent when it happened), so reading it needs
no ticket code, and the ticket's version after the change (order within one ticket).
"""

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, NotRequired, TypedDict

from bson import ObjectId

from app.auth.principal import User


class EventType(StrEnum):
    TICKET_CREATED = "ticket.created"
    TICKET_STATUS_CHANGED = "ticket.status_changed"
    TICKET_PRIORITY_CHANGED = "ticket.priority_changed"
    TICKET_ASSIGNED = "ticket.assigned"
    TICKET_UNASSIGNED = "ticket.unassigned"
    TICKET_MERGED = "ticket.merged"
    TICKET_TAGS_CHANGED = "ticket.tags_changed"
    REPLY_CREATED = "reply.created"
    NOTE_CREATED = "note.created"
    ATTACHMENT_ADDED = "attachment.added"
    ATTACHMENT_DELETED = "attachment.deleted"
    FEEDBACK_SUBMITTED = "feedback.submitted"
    AGENT_REGISTERED = "agent.registered"
    AGENT_APPROVED = "agent.approved"
    USER_DEACTIVATED = "user.deactivated"
    USER_ACTIVATED = "user.activated"
    FAQ_CREATED = "faq.created"
    FAQ_UPDATED = "faq.updated"
    FAQ_DELETED = "faq.deleted"
    SLA_FIRST_RESPONSE_BREACHED = "sla.first_response_breached"
    SLA_RESOLUTION_BREACHED = "sla.resolution_breached"
    WEBHOOK_TEST = "webhook.test"
    WEBHOOK_DISABLED = "webhook.disabled"
    TICKET_PRESENCE = "ticket.presence"


Visibility = Literal["public", "internal"]

# Whose change: a user, or the service itself (a sweeper, a webhook being disabled).
Actor = dict[str, Any]
SYSTEM: Actor = {"type": "system"}


def actor_of(user: User) -> Actor:
    return {"type": "user", "id": user.id, "role": user.role.value}


class Audience(TypedDict):
    customer_id: ObjectId | None  # the ticket's customer
    agent_id: ObjectId | None  # the ticket's agent when it happened
    queue: bool  # a ticket event while the ticket waited in the unassigned queue


class PendingEvent(TypedDict):
    """As the change's transaction writes it: numbered later."""

    _id: ObjectId
    pending: NotRequired[bool]  # True until the sequencer numbers it
    type: str  # an EventType value
    occurred_at: datetime
    actor: Actor
    ticket_id: ObjectId | None
    visibility: Visibility
    data: dict[str, Any]  # ids and the changed fields; never password hashes or tokens
    audience: Audience
    webhook_id: NotRequired[ObjectId]  # webhook.test goes to that webhook only
    ticket_version: NotRequired[int]  # the ticket's `version` after the change


class EventDoc(PendingEvent):
    seq: int


def audience_of(ticket: Mapping[str, Any] | None) -> Audience:
    if ticket is None:  # an account, FAQ or webhook event: admins only
        return Audience(customer_id=None, agent_id=None, queue=False)
    return Audience(
        customer_id=ticket["customer_id"],
        agent_id=ticket["agent_id"],
        queue=ticket["agent_id"] is None,
    )
