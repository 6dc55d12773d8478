"""Auto-assignment (load_balanced mode; app/assignment keeps the settings and availability).

A new ticket goes, in its creating transaction, to the least loaded available agent below
the cap (loads.claim_agent), and stays Open: the agent has not started on it. When nobody
qualifies it waits unassigned; `assign_waiting` hands waiting tickets out, oldest first,
after anything that may have made room (a ticket of an agent finished or handed on, an agent
available, the settings changed) and on every SLA sweep. It reads only the waiting tickets
the free agents can take (with `match_categories`, those of the categories they take, as many
as they have room for): however many older tickets nobody free takes, they never hide a
newer one someone does. Each hand-out is its own transaction, guarded by `agent_id: null`:
concurrent runs on any instances give a ticket once and never take an agent past the cap.
Event `ticket.assigned` with `data.reason: "auto"`.
"""

from typing import Any

from bson import ObjectId

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import Conflict
from app.events import record as events
from app.events.documents import SYSTEM, EventType
from app.events.record import Session
from app.tickets import loads
from app.tickets.documents import TicketDoc
from app.tickets.loads import AssignmentSettingsDoc
from app.tickets.write import TicketChange, TicketEvent, write_ticket

WAITING_ROUND = 100  # waiting tickets of a status and category looked at per run, at most


def assigned(agent_id: ObjectId) -> TicketEvent:
    return TicketEvent(
        EventType.TICKET_ASSIGNED,
        SYSTEM,
        "internal",
        {"agent_id": agent_id, "previous_agent_id": None, "reason": "auto"},
    )


async def assign_new(db: Database, session: Session, ticket: TicketDoc) -> TicketEvent | None:
    """In the creating transaction, before the ticket is inserted: gives it an agent if one
    qualifies (and counts it in their load). Returns the event to record after the insert.
    With the mode off, one read by _id."""
    ticket["agent_id"] = None  # a retried transaction picks again
    settings = await loads.load_settings(db, session)
    if settings["mode"] != "load_balanced":
        return None
    agent_id = await loads.claim_agent(db, session, settings=settings, category=ticket["category"])
    if agent_id is None:
        return None
    ticket["agent_id"] = agent_id
    await loads.shift(db, session, {}, ticket)
    return assigned(agent_id)


class _NobodyFree(Exception):
    """Ends a hand-out's transaction without writing anything."""


async def _hand_out(
    db: Database, ticket: dict[str, Any], settings: AssignmentSettingsDoc
) -> bool | None:
    """True: given to an agent; False: nobody has room for it; None: it was taken or
    changed meanwhile (by another run, perhaps on another instance)."""

    async def work(session: Session) -> None:
        agent_id = await loads.claim_agent(
            db, session, settings=settings, category=ticket["category"]
        )
        if agent_id is None:
            raise _NobodyFree
        change = TicketChange(
            fields={"agent_id": agent_id, "updated_at": utcnow()}, events=[assigned(agent_id)]
        )
        guard = {"agent_id": None, "status": ticket["status"]}
        await write_ticket(db=db, session=session, ticket=ticket, guard=guard, change=change)  # type: ignore[arg-type]

    try:
        await events.in_transaction(db, work)
    except _NobodyFree:
        return False
    except Conflict:
        return None
    return True


async def assign_waiting(db: Database) -> int:
    """Hands waiting tickets out, oldest first, while agents have room; returns how many.
    One read of the settings when the mode is off."""
    settings = await loads.load_settings(db)
    if settings["mode"] != "load_balanced":
        return 0
    room = await loads.free_room(db, settings)
    given, full = 0, set[str | None]()
    for ticket in await loads.oldest_waiting(db, room, limit=WAITING_ROUND):
        category = ticket["category"] if None not in room else None
        if category in full:
            continue
        outcome = await _hand_out(db, ticket, settings)
        if outcome:
            given += 1
        elif outcome is False:
            full.add(category)  # nobody has room for its category now; others may still fit
    return given


async def made_room(db: Database, before: TicketDoc, after: TicketDoc) -> None:
    """After a committed change of a ticket: when it left its agent's load (finished, put on
    hold, handed to someone else), waiting tickets may go to them now."""
    if loads.holder(before) is not None and loads.holder(after) != loads.holder(before):
        await assign_waiting(db)
