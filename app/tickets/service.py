"""Tickets: creation, reading, lists, the status workflow and assignment. (What people add to
a ticket, notes, replies' bookkeeping, attachment slots and feedback, is in activity.py.)

A function on one ticket takes the `policy.Permit` of the check made once for the request (by
the dependencies), so none runs unchecked; one that needs no ticket-level check (taking,
reassigning) checks the caller's role itself. Every write is guarded by what the check and the response rely
on, so a concurrent change makes it fail (409) rather than act on a state the caller did not
see; and the response is built from what was written (with the version the write stored),
never from a re-read that could show another writer's state. Every write goes through
write.py.
"""

import asyncio
from typing import Any

from bson import ObjectId

from app.auth import queries as user_queries
from app.auth.documents import Role
from app.auth.principal import User
from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import BadRequest, Conflict, FieldError, NotFound
from app.core.ids import object_id_or_404
from app.core.log import security_event
from app.core.pagination import Filter
from app.events import record as events
from app.events.documents import EventType, actor_of
from app.events.record import Session
from app.presence import service as presence
from app.presence.schemas import ViewerOut
from app.tickets import autoassign, policy, queries, sla
from app.tickets import breaches as breaches_
from app.tickets.documents import (
    Deadline,
    Priority,
    TicketDoc,
    TicketStatus,
    new_ticket,
)
from app.tickets.policy import Action, Permit
from app.tickets.schemas import (
    NOTES_SHOWN,
    CustomerTicketDetail,
    NoteOut,
    StaffTicketDetail,
    StaffTicketOut,
    TicketCreate,
    TicketOut,
    TicketStatusUpdate,
)
from app.tickets.workflow import (
    UNFINISHED_STATUSES,
    can_transition,
    ensure_assignable,
    ensure_open_for_work,
)
from app.tickets.write import (
    TicketChange,
    TicketEvent,
    change_ticket,
    status_changed,
    write_ticket,
)

ALREADY_ASSIGNED = "Ticket is already assigned"


# --- reading ------------------------------------------------------------------------------


async def get_ticket(*, db: Database, ticket_id: str) -> TicketDoc:
    ticket = await queries.find_ticket(db, object_id_or_404(ticket_id, "Ticket not found"))
    if ticket is None:
        raise NotFound("Ticket not found")
    return ticket


async def read_ticket(*, db: Database, permit: Permit) -> StaffTicketDetail | CustomerTicketDetail:
    """Ticket detail: staff see the internal notes (the newest NOTES_SHOWN), the owning
    customer a detail that has no notes field at all."""
    ticket, now = permit.ticket_for(Action.VIEW), utcnow()
    if not permit.internal:
        return CustomerTicketDetail(ticket=TicketOut.at(ticket, now))
    notes, others = await asyncio.gather(
        queries.newest_notes(db, ticket["_id"], limit=NOTES_SHOWN),
        presence.viewers(db=db, ticket_id=ticket["_id"], besides=permit.user.id),
    )
    return StaffTicketDetail(
        ticket=StaffTicketOut.at(ticket, now),
        internal_notes=[NoteOut.from_doc(n) for n in notes],
        viewers=[ViewerOut.from_doc(v) for v in others],
    )


# --- writing: each change and its events in one transaction (write.py) -------------------


async def create_ticket(*, db: Database, customer: User, data: TicketCreate) -> TicketDoc:
    policy.ensure_can_create(customer)
    created_at = utcnow()
    promise = await sla.load_policy(db)
    ticket = new_ticket(
        customer_id=customer.id,
        subject=data.subject,
        description=data.description,
        category=data.category,
        delivery_id=data.delivery_id,
        created_at=created_at,
        clock=sla.start_clock(promise, priority=Priority.MEDIUM.value, created_at=created_at),
    )
    if data.suggestion_session:  # the reports count tickets written after FAQ suggestions
        ticket["suggestion_session"] = data.suggestion_session

    async def work(session: Session) -> None:
        auto = await autoassign.assign_new(db, session, ticket)
        await queries.tickets(db).insert_one(ticket, session=session)
        await events.record(
            db,
            session,
            EventType.TICKET_CREATED,
            actor=actor_of(customer),
            visibility="public",
            data={f: ticket[f] for f in ("subject", "category", "status", "priority")},
            ticket={**ticket, "agent_id": None},  # as it arrived, in the queue
        )
        if auto is not None:
            await events.record(
                db,
                session,
                auto.type,
                actor=auto.actor,
                visibility=auto.visibility,
                data=auto.data,
                ticket=ticket,
            )

    await events.in_transaction(db, work)
    return ticket


async def update_status(*, db: Database, permit: Permit, data: TicketStatusUpdate) -> TicketDoc:
    """Moves a ticket along the transition table (and/or changes its priority). Guarded by the
    status and priority it was read with, so two concurrent updates cannot make a transition
    the table forbids, and by the assignment the permission check relied on."""
    ticket, by = permit.ticket_for(Action.WORK), permit.user
    change = await status_change(db=db, ticket=ticket, by=by, data=data)
    guard = {
        "status": ticket["status"],
        "priority": ticket["priority"],
        **policy.work_guard(by, ticket),
    }
    after = await change_ticket(db=db, ticket=ticket, guard=guard, change=change)
    await autoassign.made_room(db, ticket, after)
    return after


async def status_change(
    *, db: Database, ticket: TicketDoc, by: User, data: TicketStatusUpdate
) -> TicketChange:
    """The change `data` asks of `ticket` (as read) with its events: the transition table's,
    the SLA clock's. (Also one step of a bulk change, bulk.py.)"""
    current = TicketStatus(ticket["status"])
    new = data.status or current  # a priority change alone keeps the status
    if not can_transition(current, new):
        raise FieldError("status", f"Cannot change status from {current.value} to {new.value}")
    if data.priority is not None:
        ensure_open_for_work(current)  # Closed is final: not even its priority changes
    now = utcnow()
    changes: dict[str, Any] = {"status": new.value, "updated_at": now}
    if data.priority is not None:
        changes["priority"] = data.priority.value
    if new != current:
        if new == TicketStatus.RESOLVED:
            changes["resolved_at"] = now
        elif new == TicketStatus.CLOSED:
            changes["closed_at"] = now
        elif current == TicketStatus.RESOLVED:  # reopened
            changes["resolved_at"] = None
    breaches: list[Deadline] = []
    if new != current or changes.get("priority", ticket["priority"]) != ticket["priority"]:
        promise = await sla.load_policy(db)
        clock, breaches = sla.advance(promise, ticket, {**ticket, **changes}, now)
        changes |= clock
    seen = {**ticket, **changes}
    happened = breaches_.breach_events(seen, breaches)
    if new != current:
        happened.append(status_changed(current.value, new.value, by=by))
    if seen["priority"] != ticket["priority"]:
        happened.append(
            TicketEvent(
                EventType.TICKET_PRIORITY_CHANGED,
                actor_of(by),
                "public",
                {"from": ticket["priority"], "to": seen["priority"]},
            )
        )
    return TicketChange(fields=changes, events=happened)


def assignment_change(ticket: TicketDoc, agent_id: ObjectId, *, by: User) -> TicketChange:
    """Gives the ticket to an agent (an Open ticket starts being worked on: In Progress), with
    its events."""
    changes: dict[str, Any] = {"agent_id": agent_id, "updated_at": utcnow()}
    if ticket["status"] == TicketStatus.OPEN:
        changes["status"] = TicketStatus.IN_PROGRESS.value
    happened = [
        TicketEvent(
            EventType.TICKET_ASSIGNED,
            actor_of(by),
            "internal",
            {"agent_id": agent_id, "previous_agent_id": ticket["agent_id"]},
        )
    ]
    if "status" in changes:
        happened.append(status_changed(ticket["status"], changes["status"], by=by))
    return TicketChange(fields=changes, events=happened)


async def _give_to(
    db: Database, ticket: TicketDoc, agent_id: ObjectId, *, by: User, guard: Filter
) -> TicketDoc:
    """The assignment, written; raises Conflict when `guard` no longer holds."""
    change = assignment_change(ticket, agent_id, by=by)
    return await change_ticket(db=db, ticket=ticket, guard=guard, change=change)


async def assign_self(*, db: Database, ticket: TicketDoc, agent: User) -> TicketDoc:
    """Self-assignment, guarded by `agent_id: null`: of N simultaneous calls exactly one wins,
    and its answer shows its own assignment."""
    policy.ensure_can_take(agent)
    ensure_assignable(TicketStatus(ticket["status"]))
    if ticket["agent_id"] is not None:
        raise BadRequest(ALREADY_ASSIGNED, code="ticket_already_assigned")
    try:
        guard = {"agent_id": None, "status": ticket["status"]}
        return await _give_to(db, ticket, agent.id, by=agent, guard=guard)
    except Conflict:
        now = await queries.find_ticket(db, ticket["_id"])  # only on the losing path
        if now is not None and now["agent_id"] is not None:
            raise BadRequest(ALREADY_ASSIGNED, code="ticket_already_assigned") from None
        raise


async def reassign(*, db: Database, ticket: TicketDoc, agent_id: ObjectId, by: User) -> TicketDoc:
    """An admin hands the ticket to an active, approved support agent."""
    policy.ensure_can_assign_others(by)
    ensure_assignable(TicketStatus(ticket["status"]))
    await ensure_assignee(db=db, agent_id=agent_id, field="agent_id")
    guard = {"agent_id": ticket["agent_id"], "status": ticket["status"]}
    after = await _give_to(db, ticket, agent_id, by=by, guard=guard)
    await autoassign.made_room(db, ticket, after)
    security_event(
        "ticket_reassigned",
        actor_id=str(by.id),
        ticket_id=str(ticket["_id"]),
        target_id=str(agent_id),
    )
    return after


async def ensure_assignee(*, db: Database, agent_id: ObjectId, field: str) -> None:
    """Tickets are given to active, approved support agents only (`field` names the agent)."""
    agent = await user_queries.find_caller(db, agent_id)
    if agent is None:
        raise NotFound("Agent not found")
    if agent["role"] != Role.AGENT or not agent["is_approved"] or not agent["is_active"]:
        raise FieldError(field, "This user is not an active, approved support agent.")


async def release_tickets_of(
    *, db: Database, session: Session, agent_id: ObjectId, by: User
) -> int:
    """A deactivated agent's unfinished tickets go back to the unassigned queue, each with a
    `ticket.unassigned` event, in the caller's transaction; returns how many."""
    policy.ensure_can_assign_others(by)
    unfinished = {"agent_id": agent_id, "status": {"$in": sorted(UNFINISHED_STATUSES)}}
    found = (
        await queries.tickets(db)
        .find(unfinished, queries.WITHOUT_HISTORY, session=session)
        .to_list()
    )
    now = utcnow()
    unassigned = TicketEvent(
        EventType.TICKET_UNASSIGNED,
        actor_of(by),
        "internal",
        {"previous_agent_id": agent_id, "reason": "agent_deactivated"},
    )
    change = TicketChange(fields={"agent_id": None, "updated_at": now}, events=[unassigned])
    for ticket in found:  # read in this transaction: nothing to guard against
        await write_ticket(db=db, session=session, ticket=ticket, guard={}, change=change)
    return len(found)
