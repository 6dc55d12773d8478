"""Merging tickets: a customer's duplicates (sources) folded into one ticket (the target).

Whoever may work on every ticket named may merge them, all of one customer, none Closed or
merged already. In one transaction: each source is Closed with `merged_into` (its feedback
stays with it), its replies, internal notes and attachments move to the target (merges/
queries.py), and the target counts them and takes the sources' search terms; events
`ticket.merged` on both sides. Every ticket is written only if it is still the version that
was checked, so a concurrent change, or a concurrent merge of the same source, makes the whole
merge fail with nothing changed (409, or 400 `ticket_merged` when the other was a merge)."""

from datetime import datetime
from typing import Any

from bson import ObjectId

from app.auth.principal import User
from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import BadRequest, Conflict, FieldError, NotFound, PermissionDenied
from app.events import record as events
from app.events.documents import EventType, actor_of
from app.events.record import Session
from app.merges import queries
from app.merges.queries import Moved
from app.merges.schemas import MergeIn
from app.tickets import autoassign, loads, policy, search, sla
from app.tickets.documents import NoteDoc, TicketDoc, TicketStatus, new_note
from app.tickets.policy import Action, Permit
from app.tickets.queries import notes
from app.tickets.sla import SlaPolicy
from app.tickets.write import TicketChange, TicketEvent, status_changed, write_ticket

INTO_ITSELF = "A ticket cannot be merged into itself."
DIFFERENT_CUSTOMERS = "Only tickets of the same customer can be merged"
TICKET_NOT_FOUND = "Ticket not found"


def ensure_mergeable(ticket: TicketDoc) -> None:
    if ticket.get("merged_into") is not None:
        raise BadRequest(
            f"Ticket {ticket['_id']} has already been merged into another", code="ticket_merged"
        )
    if ticket["status"] == TicketStatus.CLOSED:
        raise BadRequest(
            f"Ticket {ticket['_id']} is closed and cannot be merged", code="ticket_merged"
        )


def _visible(user: User, ticket: TicketDoc) -> bool:
    try:
        policy.ensure_can_view(user, ticket)
    except PermissionDenied:
        return False
    return True


async def _sources(db: Database, by: User, ids: list[ObjectId]) -> list[TicketDoc]:
    """The sources, each one the caller may work on. One they may not see is answered as one
    that does not exist (404): a merge never tells that a ticket exists."""
    found = await queries.find_tickets(db, ids)
    if not all(oid in found and _visible(by, found[oid]) for oid in ids):
        raise NotFound(TICKET_NOT_FOUND)
    return [policy.permit(by, found[oid], Action.WORK).ticket for oid in ids]


def _closing(
    source: TicketDoc, target: TicketDoc, by: User, promise: SlaPolicy, now: datetime
) -> TicketChange:
    """A source: Closed, merged into the target, holding nothing (it all moved)."""
    changes: dict[str, Any] = {
        "status": TicketStatus.CLOSED.value,
        "closed_at": now,
        "updated_at": now,
        "merged_into": target["_id"],
        "reply_count": 0,
        "note_count": 0,
        "attachment_count": 0,
    }
    clock, _ = sla.advance(promise, source, {**source, **changes}, now)  # closing breaches none
    merged = TicketEvent(
        EventType.TICKET_MERGED, actor_of(by), "public", {"merged_into": target["_id"]}
    )
    closed = status_changed(source["status"], TicketStatus.CLOSED.value, by=by)
    return TicketChange(fields=changes | clock, events=[closed, merged])


def _receiving(
    target: TicketDoc,
    sources: list[TicketDoc],
    moved: list[Moved],
    note: NoteDoc | None,
    by: User,
    now: datetime,
) -> TicketChange:
    """The target: counts what it received, and the sources' words find it."""
    changes: dict[str, Any] = {"updated_at": now}
    replied = [at for t in (target, *sources) if (at := t.get("last_reply_at")) is not None]
    if replied:
        changes["last_reply_at"] = max(replied)
    counts = {
        "reply_count": sum(m.replies for m in moved),
        "note_count": sum(m.notes for m in moved) + (note is not None),
        "attachment_count": sum(m.attachments for m in moved),
    }
    words = sorted({term for source in sources for term in source.get("terms", [])})
    happened = [
        TicketEvent(
            EventType.TICKET_MERGED,
            actor_of(by),
            "public",
            {"source_ticket_ids": [s["_id"] for s in sources]},
        )
    ]
    if note is not None:
        happened.append(
            TicketEvent(
                EventType.NOTE_CREATED,
                actor_of(by),
                "internal",
                {"note_id": note["_id"], "attachment_ids": []},
            )
        )
    return TicketChange(
        fields=changes,
        counts={name: n for name, n in counts.items() if n},
        computed={"terms": search.add_terms("$terms", words)},
        events=happened,
    )


async def merge_tickets(*, db: Database, permit: Permit, data: MergeIn) -> TicketDoc:
    """Merges the named sources into the permit's ticket; returns the target after it."""
    target, by = permit.ticket_for(Action.WORK), permit.user
    ids = [ObjectId(i) for i in data.source_ticket_ids]
    if target["_id"] in ids:
        raise FieldError("source_ticket_ids", INTO_ITSELF)
    sources = await _sources(db, by, ids)
    if any(source["customer_id"] != target["customer_id"] for source in sources):
        raise BadRequest(DIFFERENT_CUSTOMERS, code="merge_different_customers")
    for ticket in (target, *sources):
        ensure_mergeable(ticket)
    promise = await sla.load_policy(db)
    note = new_note(ticket_id=target["_id"], author_id=by.id, note=data.note) if data.note else None

    async def work(session: Session) -> TicketDoc:
        now = utcnow()
        moved: list[Moved] = []
        for source in sources:
            change = _closing(source, target, by, promise, now)
            await write_ticket(
                db=db, session=session, ticket=source, guard=_as_read(source), change=change
            )
            moved.append(await queries.move_children(db, session, source["_id"], target["_id"]))
        if note is not None:
            await notes(db).insert_one(note, session=session)
        change = _receiving(target, sources, moved, note, by, now)
        return await write_ticket(
            db=db, session=session, ticket=target, guard=_as_read(target), change=change
        )

    try:
        after = await events.in_transaction(db, work)
    except Conflict:
        # the losing side of a race: a merge that took one of the tickets first is said so
        for ticket in (await queries.find_tickets(db, [target["_id"], *ids])).values():
            ensure_mergeable(ticket)
        raise
    if any(loads.holder(source) is not None for source in sources):  # closed: room made
        await autoassign.assign_waiting(db)
    return after


def _as_read(ticket: TicketDoc) -> dict[str, Any]:
    """The ticket exactly as checked: any change since (a reply, a status, an assignment, a
    merge) fails the write."""
    return {"version": ticket.get("version")}
