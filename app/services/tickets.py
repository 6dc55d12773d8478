"""Tickets: who sees and works what, the status workflow, assignment, notes and feedback.

Lists page on `order_key`, one stored string "<created_at, ms, UTC>|<_id hex>" whose order is
exactly (created_at desc, _id desc). A keyset over two fields needs an `$or`, which SecantusDB
answers with a collection scan (pinned in tests/test_db_contract.py); one field compared with
`$lt` is an index range on MongoDB and SecantusDB alike.
"""

import asyncio
import heapq
import re
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from app.db import Database, Document
from app.errors import BadRequest, Conflict, FieldError, NotFound, PermissionDenied
from app.models.accounts import User
from app.models.common import utcnow
from app.models.enums import (
    FEEDBACK_STATUSES,
    Category,
    Priority,
    Role,
    TicketStatus,
    can_transition,
)
from app.models.tickets import FeedbackIn, NoteIn, TicketCreate, TicketStatusUpdate
from app.services.pagination import decode_cursor, next_cursor, to_object_id

_ORDER_KEY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\|[0-9a-f]{24}")


def order_key(created_at: datetime, ticket_id: ObjectId) -> str:
    return f"{created_at:%Y-%m-%dT%H:%M:%S}.{created_at.microsecond // 1000:03d}Z|{ticket_id}"


# --- who sees what: the one home of the rule -------------------------------------------


def visible_tickets_filters(user: User) -> list[dict[str, Any]]:
    """The tickets a caller may see, as filters whose union is the answer: a customer their
    own; an approved agent those assigned to them and the unassigned queue (to read a
    ticket before taking it); an admin all. (A union of equality filters rather than one
    `$in`: each is an index range on every server; see _page.)"""
    if user.role == Role.CUSTOMER:
        return [{"customer_id": user.id}]
    if user.role == Role.AGENT:
        return [{"agent_id": user.id}, {"agent_id": None}]
    return [{}]


def ensure_can_view(ticket: Document, user: User) -> None:
    """The document-level twin of visible_tickets_filters."""
    if user.is_admin:
        return
    if user.role == Role.CUSTOMER:
        if ticket["customer_id"] != user.id:
            raise PermissionDenied("You can only view your own tickets")
        return
    if ticket["agent_id"] not in (user.id, None):
        raise PermissionDenied("You can only view tickets assigned to you")


def ensure_can_work_on(ticket: Document, user: User) -> None:
    """Status updates and internal notes: the assigned agent or an admin."""
    if not user.is_admin and ticket["agent_id"] != user.id:
        raise PermissionDenied("You can only update tickets assigned to you")


def ensure_owned_by(ticket: Document, customer: User) -> None:
    if ticket["customer_id"] != customer.id:
        raise PermissionDenied("You can only give feedback on your own tickets")


# --- reading ------------------------------------------------------------------------------


async def get_ticket(db: Database, *, ticket_id: str) -> Document:
    oid = to_object_id(ticket_id)
    # The history is an audit trail: no response shows it, so it is never read here.
    ticket = await db.tickets.find_one({"_id": oid}, {"status_history": 0}) if oid else None
    if ticket is None:
        raise NotFound("Ticket not found")
    return ticket


async def internal_notes_visible_to(
    db: Database, *, ticket: Document, user: User
) -> list[Document] | None:
    """A ticket's internal notes, oldest first; None for customers, who never see them."""
    if user.role == Role.CUSTOMER:
        return None
    # Bounded: a ticket's notes are a conversation, not a feed; 500 are plenty.
    return (
        await db.ticket_notes.find({"ticket_id": ticket["_id"]})
        .sort([("created_at", 1), ("_id", 1)])
        .limit(500)
        .to_list()
    )


async def _page(
    db: Database, queries: list[dict[str, Any]], *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """One page, newest first, of the union of `queries`. Each query is one index range on
    (its equality fields..., order_key), read up to limit + 1, and the ranges are merged
    here: a constant number of round trips. (One query with `$in` plus the cursor range is
    planned as a collection scan by SecantusDB.)"""
    bound: dict[str, Any] = {}
    if cursor is not None:
        position = decode_cursor(cursor)
        if not _ORDER_KEY.fullmatch(position):
            raise FieldError("cursor", "Invalid cursor.")
        bound = {"order_key": {"$lt": position}}
    ranges = await asyncio.gather(
        *(
            db.tickets.find({**query, **bound}, {"status_history": 0})
            .sort("order_key", -1)
            .limit(limit + 1)
            .to_list()
            for query in queries
        )
    )
    docs = list(heapq.merge(*ranges, key=lambda d: str(d["order_key"]), reverse=True))[: limit + 1]
    return docs[:limit], next_cursor([d["order_key"] for d in docs], limit)


async def _names_by_id(db: Database, ids: set[ObjectId]) -> dict[ObjectId, str]:
    """All the names a page needs in one round trip, whatever the page size."""
    if not ids:
        return {}
    users = await db.users.find({"_id": {"$in": list(ids)}}, {"name": 1}).to_list()
    return {u["_id"]: u["name"] for u in users}


async def list_for_customer(
    db: Database, *, customer: User, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    return await _page(db, visible_tickets_filters(customer), limit=limit, cursor=cursor)


async def list_queue_for_agent(
    db: Database,
    *,
    agent: User,
    status: TicketStatus | None,
    assigned: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Document], str | None]:
    """The agent's own tickets plus the unassigned ones, each with its customer's name."""
    queries = visible_tickets_filters(agent)
    if assigned == "me":
        queries = [{"agent_id": agent.id}]
    elif assigned == "unassigned":
        queries = [{"agent_id": None}]
    if status is not None:
        queries = [{**query, "status": status.value} for query in queries]
    tickets, cursor_out = await _page(db, queries, limit=limit, cursor=cursor)
    names = await _names_by_id(db, {t["customer_id"] for t in tickets})
    return [{**t, "customer_name": names.get(t["customer_id"])} for t in tickets], cursor_out


async def list_all_for_admin(
    db: Database,
    *,
    status: TicketStatus | None,
    category: Category | None,
    agent_id: str | None,
    customer_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Document], str | None]:
    query: dict[str, Any] = {}
    if status is not None:
        query["status"] = status.value
    if category is not None:
        query["category"] = category.value
    for field, value in (("agent_id", agent_id), ("customer_id", customer_id)):
        if value is not None:
            oid = to_object_id(value)
            if oid is None:
                raise FieldError(field, "Not a valid id.")
            query[field] = oid
    tickets, cursor_out = await _page(db, [query], limit=limit, cursor=cursor)
    people = {t["customer_id"] for t in tickets} | {t["agent_id"] for t in tickets if t["agent_id"]}
    names = await _names_by_id(db, people)
    items = [
        {
            **t,
            "customer_name": names.get(t["customer_id"]),
            "agent_name": names.get(t["agent_id"]) if t["agent_id"] else None,
        }
        for t in tickets
    ]
    return items, cursor_out


# --- writing ------------------------------------------------------------------------------


async def _guarded_write(
    db: Database, ticket: Document, *, guard: dict[str, Any], update: Any
) -> Document | None:
    """Applies `update` only if the ticket still matches `guard` (atomic: one document), then
    reads the result; None when the guard no longer held. update_one + find_one rather than
    find_one_and_update: SecantusDB takes ~70 ms for a findAndModify that modifies against
    ~1 ms for update_one (measured); on MongoDB both are cheap."""
    result = await db.tickets.update_one({"_id": ticket["_id"], **guard}, update)
    if result.matched_count == 0:
        return None
    return await db.tickets.find_one({"_id": ticket["_id"]}, {"status_history": 0})


async def create_ticket(db: Database, *, customer: User, data: TicketCreate) -> Document:
    now = utcnow()
    ticket_id = ObjectId()
    ticket: Document = {
        "_id": ticket_id,
        "customer_id": customer.id,
        "agent_id": None,
        "subject": data.subject,
        "description": data.description,
        "category": data.category.value,
        "delivery_id": data.delivery_id,
        "status": TicketStatus.OPEN.value,
        "priority": Priority.MEDIUM.value,
        "created_at": now,
        "updated_at": now,
        "resolved_at": None,
        "closed_at": None,
        "status_history": [],
        "order_key": order_key(now, ticket_id),
    }
    await db.tickets.insert_one(ticket)
    return ticket


async def update_status(
    db: Database, *, ticket: Document, data: TicketStatusUpdate, by: User
) -> Document:
    """Moves a ticket along the transition table. The write is conditional on the status it
    was read with, so two concurrent updates cannot make a transition the table forbids."""
    current = TicketStatus(ticket["status"])
    new = data.status
    if not can_transition(current, new):
        raise FieldError("status", f"Cannot change status from {current.value} to {new.value}")
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
        update["$push"] = {"status_history": _history_entry(current, new, by=by.id, at=now)}
    updated = await _guarded_write(db, ticket, guard={"status": current.value}, update=update)
    if updated is None:
        raise Conflict("The ticket was changed by someone else; reload it and try again")
    return updated


def _history_entry(old: str, new: str, *, by: ObjectId, at: datetime) -> Document:
    return {"from": old, "to": new, "by": by, "at": at}


def _take_ticket(agent_id: ObjectId, *, by: ObjectId) -> list[Document]:
    """Update pipeline giving the ticket to an agent; an Open ticket starts being worked on
    (In Progress, recorded in its history), any other status is kept. Expressions in one
    $set stage read the document as it was, so `$status` is the old status throughout."""
    now = utcnow()
    was_open = {"$eq": ["$status", TicketStatus.OPEN.value]}
    started = _history_entry(TicketStatus.OPEN, TicketStatus.IN_PROGRESS, by=by, at=now)
    return [
        {
            "$set": {
                "agent_id": agent_id,
                "updated_at": now,
                "status": {"$cond": [was_open, TicketStatus.IN_PROGRESS.value, "$status"]},
                "status_history": {
                    "$cond": [
                        was_open,
                        {"$concatArrays": [{"$ifNull": ["$status_history", []]}, [started]]},
                        {"$ifNull": ["$status_history", []]},
                    ]
                },
            }
        }
    ]


async def assign_to_agent(db: Database, *, ticket: Document, agent: User) -> Document:
    """Self-assignment: one conditional write guarded by `agent_id: null`, so of N
    simultaneous calls exactly one wins."""
    updated = await _guarded_write(
        db, ticket, guard={"agent_id": None}, update=_take_ticket(agent.id, by=agent.id)
    )
    if updated is None:
        raise BadRequest("Ticket is already assigned")
    return updated


async def reassign(db: Database, *, ticket: Document, agent_id: str, admin: User) -> Document:
    """An admin hands the ticket to an active, approved support agent."""
    oid = to_object_id(agent_id)
    agent = (
        await db.users.find_one({"_id": oid}, {"role": 1, "is_approved": 1, "is_active": 1})
        if oid
        else None
    )
    if agent is None:
        raise NotFound("Agent not found")
    if agent["role"] != Role.AGENT.value or not agent["is_approved"] or not agent["is_active"]:
        raise FieldError("agent_id", "This user is not an active, approved support agent.")
    updated = await _guarded_write(
        db, ticket, guard={}, update=_take_ticket(agent["_id"], by=admin.id)
    )
    if updated is None:
        raise NotFound("Ticket not found")
    return updated


async def add_internal_note(
    db: Database, *, ticket: Document, author: User, data: NoteIn
) -> Document:
    note: Document = {
        "ticket_id": ticket["_id"],
        "agent_id": author.id,
        "note": data.note,
        "created_at": utcnow(),
    }
    result = await db.ticket_notes.insert_one(note)
    note["_id"] = result.inserted_id
    return note


async def submit_feedback(db: Database, *, ticket: Document, data: FeedbackIn) -> Document:
    """Once per ticket (a unique index settles concurrent submissions), after it is resolved."""
    if ticket["status"] not in FEEDBACK_STATUSES:
        raise BadRequest("Feedback can only be submitted for resolved tickets")
    feedback: Document = {
        "ticket_id": ticket["_id"],
        "customer_id": ticket["customer_id"],
        "agent_id": ticket["agent_id"],
        "rating": data.rating,
        "comment": data.comment or None,
        "created_at": utcnow(),
    }
    try:
        result = await db.feedback.insert_one(feedback)
    except DuplicateKeyError:
        raise BadRequest("Feedback has already been submitted for this ticket") from None
    feedback["_id"] = result.inserted_id
    return feedback
