"""What people add to a ticket: internal notes, the bookkeeping of public replies, attachment
slots, feedback. Like service.py, every function on a ticket takes the `policy.Permit` of the
request's one check, and guards its write by what the check relied on."""

from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from app.auth.principal import User
from app.core.clock import utcnow
from app.core.db import Database, Document
from app.core.errors import BadRequest, Conflict, FieldError
from app.core.pagination import Filter
from app.events import record as events
from app.events.documents import EventType, actor_of
from app.events.record import Session
from app.tickets import breaches, policy, queries, search, sla, surveys
from app.tickets.documents import (
    Deadline,
    FeedbackDoc,
    NoteDoc,
    TicketDoc,
    TicketStatus,
    new_feedback,
    new_note,
)
from app.tickets.feedback_schemas import FeedbackIn
from app.tickets.policy import Action, Permit
from app.tickets.schemas import NoteIn
from app.tickets.workflow import FEEDBACK_STATUSES, ensure_open_for_work
from app.tickets.write import TicketChange, TicketEvent, status_changed, write_ticket

# A customer's reply to a ticket waiting on them, or resolved, puts it back in the agent's work.
REOPENED_BY_CUSTOMER_REPLY = frozenset({TicketStatus.RESOLVED, TicketStatus.ON_HOLD})
# Nothing is added to a ticket closed (or merged away) after it was read.
NOT_CLOSED = {"status": {"$ne": TicketStatus.CLOSED.value}}


async def resolve_attachments(
    *, db: Database, ticket: TicketDoc, ids: list[str], internal_allowed: bool
) -> list[Document]:
    """The summaries of attachments a note or reply refers to: each must be one of this
    ticket's, and public unless `internal_allowed`. An internal one where only public ones
    count is answered as one that does not exist: a reply never learns that it does."""
    if not ids:
        return []
    wanted = list(dict.fromkeys(ObjectId(i) for i in ids))
    found = {a["_id"]: a for a in await queries.attachments_by_id(db, wanted)}
    for oid in wanted:
        attachment = found.get(oid)
        if (
            attachment is None
            or attachment["ticket_id"] != ticket["_id"]
            or (attachment["visibility"] != "public" and not internal_allowed)
        ):
            raise FieldError("attachment_ids", f"{oid} is not an attachment of this ticket.")
    return [found[oid] for oid in wanted]


async def add_internal_note(*, db: Database, permit: Permit, data: NoteIn) -> NoteDoc:
    """The ticket is touched first, guarded by the assignment the check relied on: a note
    from an agent the ticket was taken from meanwhile is refused."""
    ticket, author = permit.ticket_for(Action.WORK), permit.user
    note, change = await note_change(db=db, ticket=ticket, author=author, data=data)

    async def work(session: Session) -> None:
        guard = {**NOT_CLOSED, **policy.work_guard(author, ticket)}
        await write_ticket(db=db, session=session, ticket=ticket, guard=guard, change=change)
        await queries.notes(db).insert_one(note, session=session)

    await events.in_transaction(db, work)
    return note


async def note_change(
    *, db: Database, ticket: TicketDoc, author: User, data: NoteIn
) -> tuple[NoteDoc, TicketChange]:
    """A note for `ticket` (to insert in the transaction that writes the change) and the
    ticket's change with its event. (Also one step of a bulk change, bulk.py.)"""
    ensure_open_for_work(TicketStatus(ticket["status"]))
    attachments = await resolve_attachments(
        db=db, ticket=ticket, ids=data.attachment_ids, internal_allowed=True
    )
    note = new_note(
        ticket_id=ticket["_id"], author_id=author.id, note=data.note, attachments=attachments
    )

    created = TicketEvent(
        EventType.NOTE_CREATED,
        actor_of(author),
        "internal",
        {"note_id": note["_id"], "attachment_ids": [a["_id"] for a in attachments]},
    )
    return note, TicketChange(counts={"note_count": 1}, events=[created])


async def reply_bookkeeping(
    *, db: Database, ticket: TicketDoc, author: User, body: str, reply_event: TicketEvent
) -> tuple[TicketChange, Filter]:
    """The ticket's side of a public reply by `author` (who may reply), to write in the
    transaction that inserts the reply, and the guard it relies on: counts and times, the
    reply's search terms; the first staff reply sets first_response_at (never overwritten)
    and meets the first-response deadline; a customer's reply to a Resolved or On Hold ticket
    moves it to In Progress (with its event, and the SLA clock's change). `reply_event` comes
    last."""
    current = TicketStatus(ticket["status"])
    ensure_open_for_work(current)
    now = utcnow()
    changes: dict[str, Any] = {"updated_at": now, "last_reply_at": now}
    reopened = not policy.is_staff(author) and current in REOPENED_BY_CUSTOMER_REPLY
    first_response = policy.is_staff(author) and ticket.get("first_response_at") is None
    if first_response:
        changes["first_response_at"] = now
    elif reopened:
        changes["status"] = TicketStatus.IN_PROGRESS.value
        if current == TicketStatus.RESOLVED:
            changes["resolved_at"] = None
    breached: list[Deadline] = []
    if first_response or reopened:
        promise = await sla.load_policy(db) if reopened else sla.DEFAULT_POLICY
        clock, breached = sla.advance(promise, ticket, {**ticket, **changes}, now)
        changes |= clock
    happened = breaches.breach_events({**ticket, **changes}, breached)
    if reopened:
        happened.append(status_changed(current.value, changes["status"], by=author))
    guard: dict[str, Any] = {"status": current.value, **policy.reply_guard(author, ticket)}
    if breached:  # of concurrent first replies, one records the breach
        guard["sla_breached"] = {"$nin": breached}
    change = TicketChange(
        fields=changes,
        # concurrent replies: each adds to what is stored, never to what it read
        counts={"reply_count": 1},
        computed={
            "first_response_at": {
                "$ifNull": ["$first_response_at", changes.get("first_response_at")]
            },
            "terms": search.add_terms("$terms", search.terms_of(body)),
        },
        events=[*happened, reply_event],
    )
    return change, guard


async def reserve_attachment_slot(
    *, db: Database, session: Session, permit: Permit, limit: int, added: TicketEvent
) -> None:
    """One of the ticket's `limit` attachment places, taken by a guarded $inc in the upload's
    transaction (with the `added` event): of simultaneous uploads, no more than `limit` are
    ever kept."""
    ticket = permit.ticket_for(Action.ATTACH_PUBLIC, Action.ATTACH_INTERNAL)
    by = permit.user
    ensure_open_for_work(TicketStatus(ticket["status"]))
    guard = {
        "attachment_count": {"$not": {"$gte": limit}},
        **NOT_CLOSED,
        **policy.reply_guard(by, ticket),
    }
    change = TicketChange(counts={"attachment_count": 1}, events=[added])
    try:
        await write_ticket(db=db, session=session, ticket=ticket, guard=guard, change=change)
    except Conflict:
        now = await queries.find_ticket(db, ticket["_id"])  # only on the refusing path
        if now is not None and now.get("attachment_count", 0) >= limit:
            raise BadRequest(
                f"A ticket can have at most {limit} attachments", code="attachment_limit_reached"
            ) from None
        raise


async def forget_attachment(
    *,
    db: Database,
    session: Session,
    ticket: TicketDoc,
    attachment_id: ObjectId,
    deleted: TicketEvent,
) -> None:
    """A deleted attachment, in the caller's transaction (with the `deleted` event): its place
    on the ticket is free, and notes no longer show it."""
    change = TicketChange(counts={"attachment_count": -1}, events=[deleted])
    await write_ticket(db=db, session=session, ticket=ticket, guard={}, change=change)
    await queries.notes(db).update_many(
        {"ticket_id": ticket["_id"], "attachments._id": attachment_id},
        {"$pull": {"attachments": {"_id": attachment_id}}},
        session=session,
    )


async def submit_feedback(*, db: Database, permit: Permit, data: FeedbackIn) -> FeedbackDoc:
    """Once per resolution (a unique index settles concurrent submissions, and a survey's
    rating of the same resolution is the same feedback: surveys.py), after it is resolved."""
    ticket, customer = permit.ticket_for(Action.GIVE_FEEDBACK), permit.user
    surveys.ensure_not_merged(ticket)
    if ticket["status"] not in FEEDBACK_STATUSES:
        raise BadRequest(
            "Feedback can only be submitted for resolved tickets", code="feedback_not_allowed_yet"
        )
    feedback = new_feedback(ticket=ticket, rating=data.rating, comment=data.comment)

    async def work(session: Session) -> None:
        await queries.feedback(db).insert_one(feedback, session=session)
        await events.record(
            db,
            session,
            EventType.FEEDBACK_SUBMITTED,
            actor=actor_of(customer),
            visibility="public",
            data={
                "feedback_id": feedback["_id"],
                "rating": feedback["rating"],
                "cycle": feedback["cycle"],
            },
            ticket=ticket,
        )

    try:
        await events.in_transaction(db, work)
    except DuplicateKeyError:
        raise BadRequest(
            "Feedback has already been submitted for this ticket",  # in this resolution
            code="feedback_already_submitted",
        ) from None
    return feedback
