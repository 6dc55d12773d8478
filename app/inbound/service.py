"""Mail that comes in, by the HTTP endpoint or the SMTP receiver alike (`receive`): kept raw,
processed once per Message-ID, then a public reply, a new ticket, or quarantine.

Never a loop: mail a machine wrote (message.loop_reason) and a sender over the flood limit
are quarantined before anything else happens: no reply, no ticket, so no notification.
"""

import secrets
from dataclasses import dataclass
from typing import Literal

import anyio
from bson import ObjectId

from app.accounts import service as accounts
from app.auth.documents import Role, UserDoc
from app.auth.principal import User
from app.core.clock import utcnow
from app.core.db import Database, Document
from app.core.errors import AppError, Conflict, NotFound
from app.core.ids import object_id_or_404
from app.inbound import queries
from app.inbound.attach import attach_files, take_back
from app.inbound.mailroom import Mailroom
from app.inbound.matching import find_sender, match_ticket
from app.inbound.message import Incoming, read_message
from app.mail import queries as mail_queries
from app.replies import service as replies
from app.replies.schemas import ReplyIn
from app.tickets import policy
from app.tickets import queries as ticket_queries
from app.tickets import service as tickets
from app.tickets.documents import Category, TicketDoc
from app.tickets.policy import Action
from app.tickets.schemas import TicketCreate

Result = Literal["reply", "new_ticket", "quarantined", "duplicate"]
EMAIL_NOT_FOUND = "Email not found"
MAX_REPLY = 10_000
MAX_DESCRIPTION = 5_000
ONLY_ATTACHMENTS = "(see the attached files)"


@dataclass(frozen=True)
class Outcome:
    result: Result
    ticket_id: ObjectId | None = None
    reason: str | None = None


def _mail_user(doc: UserDoc) -> User:
    # No login stands behind a message: a session of its own, which nothing looks up.
    return User.from_doc(doc, session=ObjectId())


async def receive(
    *,
    room: Mailroom,
    raw: bytes,
    envelope: list[str] | None = None,
    envelope_sender: str | None = None,
) -> Outcome:
    """Processes one delivered message; `duplicate` when its Message-ID was seen before (a
    claim left `processing` by a process that died is taken over: queries.claim). Over SMTP:
    `envelope` the RCPT TO recipients, `envelope_sender` the MAIL FROM ("" for a bounce's)."""
    incoming = await anyio.to_thread.run_sync(
        read_message, room.settings, raw, envelope, envelope_sender
    )
    now = utcnow()
    email: Document = {
        "_id": ObjectId(),
        "message_id": incoming.key,
        "from": incoming.sender,
        "subject": incoming.subject,
        "envelope": envelope or [],
        "raw": queries.as_binary(raw),
        "size": len(raw),
        "received_at": now,
        "status": "processing",
        "claimed_at": now,
        "claim": ObjectId(),
    }
    claimed = await queries.claim(room.db, email, now)
    if claimed is None:
        return Outcome("duplicate")
    return await _settle(room, claimed, incoming, vouched=False)


async def release(*, room: Mailroom, email_id: str) -> Outcome:
    """An admin's release: processed as if it had passed the loop and flood checks; the
    sender must still be one who may write into the ticket (or, with no ticket, a customer;
    an unknown sender becomes one)."""
    oid = object_id_or_404(email_id, EMAIL_NOT_FOUND)
    email = await queries.take_quarantined(room.db, oid, utcnow())
    if email is None:
        if await queries.find_email(room.db, oid) is None:
            raise NotFound(EMAIL_NOT_FOUND)
        raise Conflict("This email is not in quarantine")
    incoming = await anyio.to_thread.run_sync(
        read_message, room.settings, bytes(email["raw"]), email["envelope"]
    )
    return await _settle(room, email, incoming, vouched=True)


async def _settle(room: Mailroom, email: Document, incoming: Incoming, *, vouched: bool) -> Outcome:
    try:
        outcome = await _process(room, incoming, vouched=vouched)
    except BaseException:
        if vouched:  # a failed release leaves the message in quarantine
            await queries.record_outcome(room.db, email, {"status": "quarantined"})
        else:  # the sending server's retry is processed afresh
            await queries.forget_claim(room.db, email)
        raise
    if outcome.result in ("reply", "new_ticket") and outcome.ticket_id is not None:
        # our next mail to the sender on the ticket answers this one (threading)
        await mail_queries.note_incoming(
            room.db, ticket_id=outcome.ticket_id, sender=incoming.sender, message_id=incoming.key
        )
    await queries.record_outcome(
        room.db,
        email,
        {"status": outcome.result, "reason": outcome.reason, "ticket_id": outcome.ticket_id},
    )
    return outcome


async def _process(room: Mailroom, incoming: Incoming, *, vouched: bool) -> Outcome:
    if not vouched:
        if incoming.loop_reason:
            return Outcome("quarantined", reason=incoming.loop_reason)
        limit = room.settings.inbound_flood_per_10_minutes
        if not await queries.count_from_sender(room.db, incoming.sender, limit=limit):
            return Outcome("quarantined", reason="flood")
    user = await find_sender(room.db, incoming)
    if user is not None and not user["is_active"]:
        return Outcome("quarantined", reason="sender_inactive")
    match = await match_ticket(room.db, room.settings, incoming, user)
    if match.ticket is not None:
        if user is None:
            return Outcome("quarantined", match.ticket["_id"], match.not_allowed)
        return await _reply(
            room, incoming, _mail_user(user), match.ticket, not_allowed=match.not_allowed
        )
    if user is None:
        if room.settings.inbound_unknown_senders == "quarantine" and not vouched:
            return Outcome("quarantined", reason="unknown_sender")
        user = await _new_customer(room, incoming)
    if user["role"] != Role.CUSTOMER:
        return Outcome("quarantined", reason="no_ticket")
    return await _new_ticket(room, incoming, _mail_user(user))


async def _reply(
    room: Mailroom, incoming: Incoming, user: User, ticket: TicketDoc, *, not_allowed: str
) -> Outcome:
    """A public reply through the replies service, as the API's: the same rules (whoever may
    reply: the customer, the assigned agent, an admin; a customer's reply reopens a Resolved
    ticket; nothing is written into a Closed one)."""
    try:
        permit = policy.permit(user, ticket, Action.REPLY)
    except AppError:
        return Outcome("quarantined", ticket["_id"], not_allowed)
    if not incoming.text and not incoming.attachments:
        return Outcome("quarantined", ticket["_id"], "empty")
    ids = await attach_files(room, ticket=ticket, user=user, files=incoming.attachments)
    body = incoming.text[:MAX_REPLY] or ONLY_ATTACHMENTS
    try:
        await replies.add_reply(
            db=room.db, permit=permit, data=ReplyIn(body=body, attachment_ids=ids), via="email"
        )
    except Exception as failed:
        await take_back(room, user=user, attachment_ids=ids)
        if isinstance(failed, AppError) and not isinstance(failed, Conflict):
            return Outcome("quarantined", ticket["_id"], failed.code or "refused")
        raise  # changed concurrently: the sender's retry replies on what is there then
    return Outcome("reply", ticket["_id"])


async def _new_ticket(room: Mailroom, incoming: Incoming, customer: User) -> Outcome:
    description = incoming.text[:MAX_DESCRIPTION] or ONLY_ATTACHMENTS
    data = TicketCreate(
        subject=incoming.subject or "(no subject)",
        description=description,
        category=Category.OTHER,
    )
    ticket = await tickets.create_ticket(db=room.db, customer=customer, data=data)
    await attach_files(room, ticket=ticket, user=customer, files=incoming.attachments)
    return Outcome("new_ticket", ticket["_id"])


async def _new_customer(room: Mailroom, incoming: Incoming) -> UserDoc:
    """INBOUND_UNKNOWN_SENDERS=create_customer: an account with a password nobody knows (the
    customer follows the ticket by mail)."""
    name = incoming.sender_name or incoming.sender.partition("@")[0]
    try:
        return await accounts.create_user(
            db=room.db,
            hasher=room.hasher,
            email=incoming.sender,
            password=secrets.token_urlsafe(32),
            name=name[:100],
            role=Role.CUSTOMER,
        )
    except AppError:  # created at this moment by another message of theirs
        found = await find_sender(room.db, incoming)
        if found is None:
            raise
        return found


# --- staff reading the kept messages ------------------------------------------------------


async def emails_of_ticket(*, db: Database, permit: policy.Permit) -> list[Document]:
    ticket = permit.ticket_for(Action.WORK)
    return await queries.emails_of_ticket(db, ticket["_id"])


async def raw_email(*, db: Database, user: User, email_id: str) -> bytes:
    """The message as it came, for staff who may work on its ticket (one with no ticket:
    admins)."""
    email = await queries.find_email(db, object_id_or_404(email_id, EMAIL_NOT_FOUND), raw=True)
    if email is None:
        raise NotFound(EMAIL_NOT_FOUND)
    ticket_id = email.get("ticket_id")
    ticket = await ticket_queries.find_ticket(db, ticket_id) if ticket_id else None
    if ticket is None:
        policy.ensure_can_assign_others(user)
    else:
        policy.ensure_can_work_on(user, ticket)
    return bytes(email["raw"])


async def quarantine(*, db: Database) -> list[Document]:
    return await queries.quarantined(db)
