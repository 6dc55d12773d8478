"""Agents' loads, for auto-assignment (app/assignment keeps the settings and availability).

An agent's load is the number of tickets Open or In Progress assigned to them. It is kept on
the agent's user document (`open_tickets`) by `shift`, which every ticket write calls in its
own transaction (write.py, and ticket creation): the count lives in the database, never in a
process, so it holds across any number of instances. Auto-assignment picks an agent with
`claim_agent`, a conditional write of the agent's document in the ticket's transaction
(below the cap, available, active, approved, least loaded first): two transactions that pick
the same agent both write that document, so one of them conflicts and is retried, and sees
the count the other one left. Deactivation writes the same document (`is_active`), so it too
is ordered with every pick.
"""

from collections import Counter
from collections.abc import Mapping
from typing import Any, Literal, TypedDict

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel

from app.auth.documents import Role
from app.core.clock import utcnow
from app.core.db import Database
from app.events.record import Session
from app.tickets.documents import Category, TicketStatus

SETTINGS_ID = "assignment"
# The statuses that count towards an agent's load.
LOAD_STATUSES = (TicketStatus.OPEN.value, TicketStatus.IN_PROGRESS.value)

INDEXES = {
    "users": [
        # auto-assignment: the least loaded available agent
        IndexModel(
            [("availability.available", ASCENDING), ("open_tickets", ASCENDING)],
            name="users_by_availability_and_load",
        ),
    ],
    "tickets": [
        # the waiting tickets of one category (match_categories), oldest first
        IndexModel(
            [
                ("agent_id", ASCENDING),
                ("status", ASCENDING),
                ("category", ASCENDING),
                ("order_key", DESCENDING),
            ],
            name="tickets_waiting_by_category",
        ),
    ],
}
# How many more tickets the free agents can take, by the category they go in; None: any.
Room = dict[str | None, int]


class AssignmentSettingsDoc(TypedDict):
    _id: str  # SETTINGS_ID
    mode: Literal["off", "load_balanced"]
    max_open_per_agent: int
    match_categories: bool


DEFAULT_SETTINGS = AssignmentSettingsDoc(
    _id=SETTINGS_ID, mode="off", max_open_per_agent=10, match_categories=False
)


class AvailabilityDoc(TypedDict):
    """On the agent's user document, under `availability`."""

    available: bool
    categories: list[str]  # Category values the agent takes; empty: every category


async def load_settings(db: Database, session: Session | None = None) -> AssignmentSettingsDoc:
    """One read by _id, per use: a change by any instance applies at once everywhere."""
    found = await db.assignment_settings.find_one({"_id": SETTINGS_ID}, session=session)
    return DEFAULT_SETTINGS if found is None else AssignmentSettingsDoc(**found)  # type: ignore[typeddict-item]


def holder(ticket: Mapping[str, Any]) -> ObjectId | None:
    """The agent whose load the ticket counts in, if any."""
    agent_id: ObjectId | None = ticket.get("agent_id")
    return agent_id if ticket.get("status") in LOAD_STATUSES else None


async def shift(
    db: Database, session: Session, before: Mapping[str, Any], after: Mapping[str, Any]
) -> None:
    """The one change of loads: the ticket as it was stored before a write and as it is after,
    in the write's transaction."""
    old, new = holder(before), holder(after)
    if old == new:
        return
    for agent_id, n in ((old, -1), (new, 1)):
        if agent_id is not None:
            await db.users.update_one(
                {"_id": agent_id}, {"$inc": {"open_tickets": n}}, session=session
            )


async def count_held(db: Database, session: Session, agent_id: ObjectId) -> int:
    """An agent's load counted from the tickets, in the caller's transaction."""
    return await db.tickets.count_documents(
        {"agent_id": agent_id, "status": {"$in": list(LOAD_STATUSES)}}, session=session
    )


def _free(settings: AssignmentSettingsDoc) -> dict[str, Any]:
    """The agents who may get a ticket now: available, active, approved, below the cap."""
    return {
        "availability.available": True,
        "open_tickets": {"$lt": settings["max_open_per_agent"]},
        "role": Role.AGENT.value,
        "is_active": True,
        "is_approved": True,
    }


async def _free_agents(
    db: Database, settings: AssignmentSettingsDoc, session: Session | None = None
) -> list[dict[str, Any]]:
    """The free agents (`_free`), least loaded first: read as the range of available agents
    below the cap on `users_by_availability_and_load` (a query on that index's fields only,
    so it never reads the customers), the other conditions checked on each."""
    free = _free(settings)
    on_index = {name: free[name] for name in ("availability.available", "open_tickets")}
    checked = ("role", "is_active", "is_approved")
    shown = {"open_tickets": 1, "availability": 1, **dict.fromkeys(checked, 1)}
    found = db.users.find(on_index, shown, session=session)
    agents = [
        agent
        for agent in await found.to_list()
        if all(agent.get(name) == free[name] for name in checked)
    ]
    return sorted(agents, key=lambda agent: (agent["open_tickets"], agent["_id"]))


async def claim_agent(
    db: Database, session: Session, *, settings: AssignmentSettingsDoc, category: str
) -> ObjectId | None:
    """The agent a ticket of `category` goes to, written (`claimed_at`) in the ticket's
    transaction so that concurrent picks of one agent conflict; None when nobody qualifies.
    The caller's ticket write then counts the ticket (`shift`)."""
    for agent in await _free_agents(db, settings, session):
        taken = agent["availability"].get("categories") or []
        if settings["match_categories"] and taken and category not in taken:
            continue
        claimed = await db.users.update_one(
            {"_id": agent["_id"], **_free(settings)},
            {"$set": {"claimed_at": utcnow()}},
            session=session,
        )
        if claimed.matched_count:
            return ObjectId(agent["_id"])
    return None


async def free_room(db: Database, settings: AssignmentSettingsDoc) -> Room:
    """The room the free agents have, by category: with `match_categories`, each category's
    is that of the agents who take it plus that of the ones who take every category; without
    it (or when every free agent takes every category) all of it is under None. Empty when
    nobody is free."""
    cap, room = settings["max_open_per_agent"], Counter[str | None]()
    for agent in await _free_agents(db, settings):
        taken = agent["availability"].get("categories") if settings["match_categories"] else []
        for category in taken or [None]:
            room[category] += cap - agent["open_tickets"]
    if set(room) <= {None}:
        return dict(room)
    return {c.value: n for c in Category if (n := room[c.value] + room[None]) > 0}


async def oldest_waiting(db: Database, room: Room, *, limit: int) -> list[dict[str, Any]]:
    """The unassigned tickets Open or In Progress (released ones) that the room can take,
    oldest first: of each category in `room` (None: any), the oldest, as many as its room
    (at most `limit`). One index range per status and category, never past the tickets of
    categories nobody free takes."""
    found = [
        ticket
        for category, n in room.items()
        for status in LOAD_STATUSES
        for ticket in await db.tickets.find(
            {"agent_id": None, "status": status, **({"category": category} if category else {})},
            {"history": 0},
        )
        .sort("order_key", ASCENDING)
        .limit(min(n, limit))
        .to_list()
    ]
    return sorted(found, key=lambda t: t["order_key"])
