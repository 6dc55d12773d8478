"""Bulk changes: the same change for up to 100 tickets, each loaded, authorised and changed on
its own, as if changed one by one (the same services, guards, transitions and events), one
failing never undoing another; the results in the order given.

One ticket's change is one transaction, its steps planned in this order on the ticket as each
step leaves it: assignment (admins), internal note, tags, then status and priority, so that
"add a note and close" works like a person doing it would (a note, then the transition).
A step that refuses (a transition the table forbids, a Closed ticket) fails that ticket's
whole change. The write is guarded by the ticket's version as read, so a change made
meanwhile by anyone (another bulk change included) makes it plan again on the new state
(replan.py) rather than write over it."""

import asyncio
from collections.abc import Awaitable, Callable

from bson import ObjectId

from app.auth.principal import User
from app.core.db import Database
from app.core.errors import CODE_OF_STATUS, AppError, NotFound, PermissionDenied
from app.events.record import Session
from app.tickets import activity, policy, queries, service, tags
from app.tickets.documents import NoteDoc, TicketDoc, TicketStatus
from app.tickets.policy import Action, Permit
from app.tickets.replan import Planned, applied, change_with_retries, combined
from app.tickets.schemas import NoteIn, TicketStatusUpdate
from app.tickets.tool_schemas import BulkDone, BulkError, BulkFailed, BulkIn, BulkTicketOut
from app.tickets.workflow import ensure_assignable
from app.tickets.write import TicketChange

NOT_FOUND = "Ticket not found"
AT_ONCE = 8  # tickets changed at the same time (each its own transaction); results keep order


async def change_tickets(*, db: Database, by: User, data: BulkIn) -> list[BulkDone | BulkFailed]:
    """Who may assign, and to whom, is checked once for the whole request (403, or a 400 on
    `assign_to`) before any ticket changes; everything else per ticket."""
    assignee = ObjectId(data.assign_to) if data.assign_to else None
    if assignee is not None:
        policy.ensure_can_assign_others(by)
        await service.ensure_assignee(db=db, agent_id=assignee, field="assign_to")
    at_once = asyncio.Semaphore(AT_ONCE)

    async def one(ticket_id: str) -> BulkDone | BulkFailed:
        async with at_once:
            return await _change_one(db, by, data, ticket_id, assignee)

    return list(await asyncio.gather(*(one(ticket_id) for ticket_id in data.ticket_ids)))


async def _change_one(
    db: Database, by: User, data: BulkIn, ticket_id: str, assignee: ObjectId | None
) -> BulkDone | BulkFailed:
    try:
        permit = await _permit(db, by, ticket_id)

        async def plan(permit: Permit) -> Planned | None:
            return await _plan(db, permit, data, assignee)

        after = await change_with_retries(db=db, permit=permit, plan=plan)
    except AppError as refused:
        code = refused.code or CODE_OF_STATUS.get(refused.status_code, "bad_request")
        return BulkFailed(ticket_id=ticket_id, error=BulkError(error=refused.message, code=code))
    return BulkDone(ticket_id=ticket_id, ticket=BulkTicketOut.from_doc(after))


async def _permit(db: Database, by: User, ticket_id: str) -> Permit:
    """The ticket, if the caller may work on it: one they may not see is answered like one
    that does not exist (its existence is not told), one they see but may not work on is
    refused (permission_denied)."""
    ticket = await service.get_ticket(db=db, ticket_id=ticket_id)
    try:
        policy.ensure_can_view(by, ticket)
    except PermissionDenied:
        raise NotFound(NOT_FOUND) from None
    return policy.permit(by, ticket, Action.WORK)


async def _plan(
    db: Database, permit: Permit, data: BulkIn, assignee: ObjectId | None
) -> Planned | None:
    """None when nothing would change (tags already as asked, and nothing else asked)."""
    ticket, by = permit.ticket_for(Action.WORK), permit.user
    steps: list[TicketChange] = []
    now = ticket

    def step(change: TicketChange | None) -> None:
        nonlocal now
        if change is not None:
            steps.append(change)
            now = applied(now, change)

    if assignee is not None:
        ensure_assignable(TicketStatus(now["status"]))
        step(service.assignment_change(now, assignee, by=by))
    note: NoteDoc | None = None
    if data.note is not None:
        note, change = await activity.note_change(
            db=db, ticket=now, author=by, data=NoteIn(note=data.note)
        )
        step(change)
    if data.add_tags or data.remove_tags:
        step(tags.tags_change(now, add=data.add_tags, remove=data.remove_tags, by=by))
    if data.set_status is not None or data.set_priority is not None:
        wanted = TicketStatusUpdate(status=data.set_status, priority=data.set_priority)
        step(await service.status_change(db=db, ticket=now, by=by, data=wanted))
    if not steps:
        return None
    return Planned(change=combined(steps), guard=_version_guard(ticket), also=_insert(db, note))


def _version_guard(ticket: TicketDoc) -> dict[str, object]:
    """Every step read the ticket as it was: no write of anyone else since."""
    return {"version": ticket.get("version")}


def _insert(db: Database, note: NoteDoc | None) -> Callable[[Session], Awaitable[None]] | None:
    if note is None:
        return None

    async def insert(session: Session) -> None:
        await queries.notes(db).insert_one(note, session=session)

    return insert
