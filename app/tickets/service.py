"""Tickets: creation, reading, lists, the status workflow and assignment. (What people add to
a ticket, notes, replies' bookkeeping, attachment slots and feedback, is in activity.py.)

Every function that changes a ticket takes the acting user and checks the policy itself
(`policy.py`), whatever called it. Its write is guarded by what the check and the response rely
on, so a concurrent change makes it fail (409) rather than act on a state the caller did not
see; and the response is built from what was written, never from a re-read that could show
another writer's state.
"""

from typing import Any, Literal

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
from app.tickets import policy, queries
from app.tickets.documents import (
    Category,
    TicketDoc,
    TicketStatus,
    assigned,
    new_ticket,
    status_changed,
    unassigned,
)
from app.tickets.schemas import (
    NOTES_SHOWN,
    CustomerTicketDetail,
    NoteOut,
    StaffTicketDetail,
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

CHANGED_CONCURRENTLY = "The ticket was changed by someone else; reload it and try again"
ALREADY_ASSIGNED = "Ticket is already assigned"
Page = tuple[list[TicketDoc], str | None]


# --- reading ------------------------------------------------------------------------------


async def get_ticket(*, db: Database, ticket_id: str) -> TicketDoc:
    ticket = await queries.find_ticket(db, object_id_or_404(ticket_id, "Ticket not found"))
    if ticket is None:
        raise NotFound("Ticket not found")
    return ticket


async def read_ticket(
    *, db: Database, user: User, ticket: TicketDoc
) -> StaffTicketDetail | CustomerTicketDetail:
    """Ticket detail: staff see the internal notes (the newest NOTES_SHOWN), the owning
    customer a detail that has no notes field at all."""
    policy.ensure_can_view(user, ticket)
    if not policy.can_read_internal(user):
        return CustomerTicketDetail(ticket=TicketOut.from_doc(ticket))
    notes = await queries.newest_notes(db, ticket["_id"], limit=NOTES_SHOWN)
    return StaffTicketDetail(
        ticket=TicketOut.from_doc(ticket), internal_notes=[NoteOut.from_doc(n) for n in notes]
    )


async def list_for_customer(
    *, db: Database, customer: User, limit: int, cursor: str | None
) -> Page:
    return await queries.page_of_tickets(
        db, policy.visible_to(customer), limit=limit, cursor=cursor
    )


async def list_queue_for_agent(
    *,
    db: Database,
    agent: User,
    status: TicketStatus | None,
    assigned_to: Literal["me", "unassigned"] | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The agent's own tickets plus the unassigned ones, each with its customer's name."""
    wanted: Filter = {}
    if assigned_to is not None:
        wanted["agent_id"] = agent.id if assigned_to == "me" else None
    if status is not None:
        wanted["status"] = status.value
    scopes = policy.narrow(policy.visible_to(agent), wanted)
    page, next_cursor = await queries.page_of_tickets(db, scopes, limit=limit, cursor=cursor)
    names = await user_queries.names_by_id(db, {t["customer_id"] for t in page})
    return [{**t, "customer_name": names.get(t["customer_id"])} for t in page], next_cursor


async def list_all_for_admin(
    *,
    db: Database,
    admin: User,
    status: TicketStatus | None,
    category: Category | None,
    agent_id: ObjectId | None,
    customer_id: ObjectId | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Every ticket the caller may see (an admin: all), with customer's and agent's names."""
    wanted: Filter = {
        field: value
        for field, value in (
            ("status", status.value if status else None),
            ("category", category.value if category else None),
            ("agent_id", agent_id),
            ("customer_id", customer_id),
        )
        if value is not None
    }
    scopes = policy.narrow(policy.visible_to(admin), wanted)
    page, next_cursor = await queries.page_of_tickets(db, scopes, limit=limit, cursor=cursor)
    people = {t["customer_id"] for t in page} | {t["agent_id"] for t in page if t["agent_id"]}
    names = await user_queries.names_by_id(db, people)
    items = [
        {
            **t,
            "customer_name": names.get(t["customer_id"]),
            "agent_name": names.get(t["agent_id"]) if t["agent_id"] else None,
        }
        for t in page
    ]
    return items, next_cursor


# --- writing ------------------------------------------------------------------------------


async def write(db: Database, ticket: TicketDoc, *, guard: Filter, update: Any) -> None:
    if not await queries.update_ticket(db, ticket["_id"], guard, update):
        raise Conflict(CHANGED_CONCURRENTLY)


async def create_ticket(*, db: Database, customer: User, data: TicketCreate) -> TicketDoc:
    policy.ensure_can_create(customer)
    ticket = new_ticket(
        customer_id=customer.id,
        subject=data.subject,
        description=data.description,
        category=data.category,
        delivery_id=data.delivery_id,
    )
    await queries.tickets(db).insert_one(ticket)
    return ticket


async def update_status(
    *, db: Database, ticket: TicketDoc, data: TicketStatusUpdate, by: User
) -> TicketDoc:
    """Moves a ticket along the transition table (and/or changes its priority). Guarded by the
    status and priority it was read with, so two concurrent updates cannot make a transition
    the table forbids, and by the assignment the permission check relied on."""
    policy.ensure_can_work_on(by, ticket)
    current = TicketStatus(ticket["status"])
    new = data.status
    if not can_transition(current, new):
        raise FieldError("status", f"Cannot change status from {current.value} to {new.value}")
    if data.priority is not None:
        ensure_open_for_work(current)  # Closed is final: not even its priority changes
    now = utcnow()
    changes: dict[str, Any] = {"status": new.value, "updated_at": now}
    update: dict[str, Any] = {"$set": changes}
    if data.priority is not None:
        changes["priority"] = data.priority.value
    if new != current:
        if new == TicketStatus.RESOLVED:
            changes["resolved_at"] = now
        elif new == TicketStatus.CLOSED:
            changes["closed_at"] = now
        elif current == TicketStatus.RESOLVED:  # reopened
            changes["resolved_at"] = None
        update["$push"] = {"history": status_changed(current, new, by=by.id, at=now)}
    guard = {"status": current.value, "priority": ticket["priority"]}
    await write(db, ticket, guard={**guard, **policy.work_guard(by, ticket)}, update=update)
    return {**ticket, **changes}  # type: ignore[typeddict-item]


def _give_to(ticket: TicketDoc, agent_id: ObjectId, *, by: User) -> tuple[dict[str, Any], Any]:
    """The changes and the update that give the ticket to an agent: an Open ticket starts
    being worked on (In Progress), any other status is kept."""
    now = utcnow()
    history = [assigned(agent_id, ticket["agent_id"], by=by.id, at=now)]
    changes: dict[str, Any] = {"agent_id": agent_id, "updated_at": now}
    if ticket["status"] == TicketStatus.OPEN:
        changes["status"] = TicketStatus.IN_PROGRESS.value
        history.append(
            status_changed(TicketStatus.OPEN, TicketStatus.IN_PROGRESS, by=by.id, at=now)
        )
    return changes, {"$set": changes, "$push": {"history": {"$each": history}}}


async def assign_self(*, db: Database, ticket: TicketDoc, agent: User) -> TicketDoc:
    """Self-assignment, guarded by `agent_id: null`: of N simultaneous calls exactly one wins,
    and its answer shows its own assignment."""
    policy.ensure_can_take(agent)
    ensure_assignable(TicketStatus(ticket["status"]))
    if ticket["agent_id"] is not None:
        raise BadRequest(ALREADY_ASSIGNED)
    changes, update = _give_to(ticket, agent.id, by=agent)
    guard = {"agent_id": None, "status": ticket["status"]}
    if not await queries.update_ticket(db, ticket["_id"], guard, update):
        now = await queries.find_ticket(db, ticket["_id"])  # only on the losing path
        if now is not None and now["agent_id"] is not None:
            raise BadRequest(ALREADY_ASSIGNED)
        raise Conflict(CHANGED_CONCURRENTLY)
    return {**ticket, **changes}  # type: ignore[typeddict-item]


async def reassign(*, db: Database, ticket: TicketDoc, agent_id: ObjectId, by: User) -> TicketDoc:
    """An admin hands the ticket to an active, approved support agent."""
    policy.ensure_can_assign_others(by)
    ensure_assignable(TicketStatus(ticket["status"]))
    agent = await user_queries.find_caller(db, agent_id)
    if agent is None:
        raise NotFound("Agent not found")
    if agent["role"] != Role.AGENT or not agent["is_approved"] or not agent["is_active"]:
        raise FieldError("agent_id", "This user is not an active, approved support agent.")
    changes, update = _give_to(ticket, agent_id, by=by)
    guard = {"agent_id": ticket["agent_id"], "status": ticket["status"]}
    await write(db, ticket, guard=guard, update=update)
    security_event(
        "ticket_reassigned",
        actor_id=str(by.id),
        ticket_id=str(ticket["_id"]),
        target_id=str(agent_id),
    )
    return {**ticket, **changes}  # type: ignore[typeddict-item]


async def release_tickets_of(*, db: Database, agent_id: ObjectId, by: User) -> int:
    """A deactivated agent's unfinished tickets go back to the unassigned queue, each with a
    history entry; returns how many."""
    policy.ensure_can_assign_others(by)
    now = utcnow()
    result = await queries.tickets(db).update_many(
        {"agent_id": agent_id, "status": {"$in": sorted(UNFINISHED_STATUSES)}},
        {
            "$set": {"agent_id": None, "updated_at": now},
            "$push": {"history": unassigned(agent_id, "agent_deactivated", by=by.id, at=now)},
        },
    )
    return result.modified_count
