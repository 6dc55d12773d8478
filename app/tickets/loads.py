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

from collections.abc import Mapping
from typing import Any, Literal, TypedDict

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from app.auth.documents import Role
from app.core.clock import utcnow
from app.core.db import Database
from app.events.record import Session
from app.tickets.documents import TicketStatus

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
}


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


async def claim_agent(
    db: Database, session: Session, *, settings: AssignmentSettingsDoc, category: str
) -> ObjectId | None:
    """The agent a ticket of `category` goes to, written (`claimed_at`) in the ticket's
    transaction so that concurrent picks of one agent conflict; None when nobody qualifies.
    The caller's ticket write then counts the ticket (`shift`)."""
    wanted: dict[str, Any] = {
        "availability.available": True,
        "open_tickets": {"$lt": settings["max_open_per_agent"]},
        "role": Role.AGENT.value,
        "is_active": True,
        "is_approved": True,
    }
    if settings["match_categories"]:
        wanted["$or"] = [
            {"availability.categories": category},
            {"availability.categories": []},
        ]
    claimed = await db.users.find_one_and_update(
        wanted,
        {"$set": {"claimed_at": utcnow()}},
        sort=[("open_tickets", ASCENDING), ("_id", ASCENDING)],
        projection={"_id": 1},
        session=session,
    )
    return None if claimed is None else claimed["_id"]


async def oldest_waiting(db: Database, *, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` unassigned tickets Open or In Progress (released ones), oldest first."""
    found = [
        ticket
        for status in LOAD_STATUSES
        for ticket in await db.tickets.find({"agent_id": None, "status": status}, {"history": 0})
        .sort("order_key", ASCENDING)
        .limit(limit)
        .to_list()
    ]
    return sorted(found, key=lambda t: t["order_key"])[:limit]
