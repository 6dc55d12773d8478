"""Which events make which messages, to whom (before each recipient's preferences).

Customers: the acknowledgement of their new ticket, each public reply from staff, the ticket
Resolved. The assigned agent: a ticket assigned to them, a customer's reply on their ticket,
an SLA breach on it. Admins: an agent waiting for approval. A customer's kinds come from
public events only (an internal note or attachment never makes a customer's message), and no
one is told of their own change, except the acknowledgement, which is the customer's receipt.
"""

from dataclasses import dataclass

from bson import ObjectId

from app.auth.documents import Role
from app.core.db import Database
from app.events.documents import EventDoc, EventType
from app.mail import queries
from app.mail.documents import KINDS_BY_ROLE, MailKind
from app.tickets.documents import TicketStatus

STAFF_ROLES = {Role.AGENT.value, Role.ADMIN.value}
SLA_BREACHES = {EventType.SLA_FIRST_RESPONSE_BREACHED, EventType.SLA_RESOLUTION_BREACHED}
CUSTOMER_KINDS = set(KINDS_BY_ROLE[Role.CUSTOMER])


@dataclass(frozen=True)
class Notice:
    kind: MailKind
    recipient_id: ObjectId


def _wanted(event: EventDoc) -> list[Notice]:
    audience, actor, data = event["audience"], event["actor"], event["data"]
    customer, agent = audience["customer_id"], audience["agent_id"]
    kind: MailKind | None = None
    to: ObjectId | None = None
    match event["type"]:
        case EventType.TICKET_CREATED:
            kind, to = MailKind.TICKET_CREATED, customer
        case EventType.REPLY_CREATED if actor.get("role") in STAFF_ROLES:
            kind, to = MailKind.STAFF_REPLY, customer
        case EventType.REPLY_CREATED if actor.get("role") == Role.CUSTOMER.value:
            kind, to = MailKind.CUSTOMER_REPLY, agent
        case EventType.TICKET_STATUS_CHANGED if data.get("to") == TicketStatus.RESOLVED.value:
            kind, to = MailKind.TICKET_RESOLVED, customer
        case EventType.TICKET_ASSIGNED:
            kind, to = MailKind.TICKET_ASSIGNED, agent  # the audience: after the change
        case event_type if event_type in SLA_BREACHES:
            kind, to = MailKind.SLA_BREACH, agent
    return [Notice(kind, to)] if kind is not None and to is not None else []


async def notices(db: Database, event: EventDoc) -> list[Notice]:
    """The messages `event` makes, to whom."""
    if event["type"] == EventType.AGENT_REGISTERED:
        wanted = [Notice(MailKind.AGENT_WAITING, a) for a in await queries.active_admin_ids(db)]
    else:
        wanted = _wanted(event)
    actor_id = event["actor"].get("id")
    return [
        notice
        for notice in wanted
        if (notice.kind not in CUSTOMER_KINDS or event["visibility"] == "public")
        and (notice.recipient_id != actor_id or notice.kind == MailKind.TICKET_CREATED)
    ]
