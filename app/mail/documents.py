"""The outbox (one document per message to send: the durable queue) and the kinds of mail."""

from datetime import datetime
from enum import StrEnum
from typing import Literal, NotRequired, TypedDict

from bson import ObjectId

from app.auth.documents import Role
from app.core.clock import utcnow


class MailKind(StrEnum):
    """What a message is about: each user can turn each kind of their role off."""

    TICKET_CREATED = "ticket_created"  # customers: the acknowledgement of their new ticket
    STAFF_REPLY = "staff_reply"  # customers: a public reply from staff
    TICKET_RESOLVED = "ticket_resolved"  # customers
    TICKET_ASSIGNED = "ticket_assigned"  # agents: a ticket given to them
    CUSTOMER_REPLY = "customer_reply"  # agents: the customer answered on their ticket
    SLA_BREACH = "sla_breach"  # agents: a deadline of their ticket missed
    AGENT_WAITING = "agent_waiting"  # admins: an agent signed up, waiting for approval
    SIGN_IN_LINK = "sign_in_link"  # anyone who asked for one: not a notification, always sent


KINDS_BY_ROLE: dict[str, tuple[MailKind, ...]] = {
    Role.CUSTOMER: (MailKind.TICKET_CREATED, MailKind.STAFF_REPLY, MailKind.TICKET_RESOLVED),
    Role.AGENT: (MailKind.TICKET_ASSIGNED, MailKind.CUSTOMER_REPLY, MailKind.SLA_BREACH),
    Role.ADMIN: (MailKind.AGENT_WAITING,),
}
# Written by a person to a person (not a notification): no Auto-Submitted, no List-Unsubscribe.
PERSONAL = {MailKind.STAFF_REPLY}
# Asked for by the recipient (no preference turns them off): no List-Unsubscribe.
REQUESTED = {MailKind.SIGN_IN_LINK}

OutboxStatus = Literal["queued", "sent", "failed"]


class OutboxDoc(TypedDict):
    _id: ObjectId
    # unique with (recipient_id, kind): an event makes a message once. A message asked for
    # directly (a sign-in link) is numbered below zero, from its own counter (queries.py).
    event_seq: int
    kind: str  # a MailKind value
    recipient_id: ObjectId
    to: str
    subject: str
    ticket_id: ObjectId | None
    message_id: str  # ours, `<...>`: how a reply's In-Reply-To/References finds its ticket
    # The whole message as sent (CRLF), composed once; dropped once it is sent or failed for
    # good, as it may carry a link's token (kept elsewhere only as a hash).
    raw: NotRequired[bytes]
    status: OutboxStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    # A deliverer holds the message until then (the database server's clock; None: free),
    # and its result counts only with the token of its claim (a fencing token).
    lease_until: datetime | None
    lease_owner: str | None
    lease_token: NotRequired[ObjectId]
    created_at: datetime
    sent_at: datetime | None
    # The SHA-256 of the token of the link it carries (a survey, a sign-in): queued with the
    # message, so of repeated dispatches the one whose message was queued names the token.
    token_hash: NotRequired[str]


def new_message(
    *,
    event_seq: int,
    kind: MailKind,
    recipient_id: ObjectId,
    to: str,
    subject: str,
    ticket_id: ObjectId | None,
    message_id: str,
    raw: bytes,
    token_hash: str | None = None,
) -> OutboxDoc:
    now = utcnow()
    message = OutboxDoc(
        _id=ObjectId(),
        event_seq=event_seq,
        kind=kind.value,
        recipient_id=recipient_id,
        to=to,
        subject=subject,
        ticket_id=ticket_id,
        message_id=message_id,
        raw=raw,
        status="queued",
        attempts=0,
        last_error=None,
        next_attempt_at=now,
        lease_until=None,
        lease_owner=None,
        created_at=now,
        sent_at=None,
    )
    if token_hash is not None:
        message["token_hash"] = token_hash
    return message
