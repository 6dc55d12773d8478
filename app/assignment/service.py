"""Auto-assignment's settings (admins) and each approved agent's availability. Admins are
not agents: they have no availability (403). Every change may make room, so it is followed by
a hand-out of waiting tickets (app/tickets/autoassign.py)."""

from app.assignment import queries
from app.assignment.schemas import AssignmentSettingsIn, AvailabilityIn, AvailabilityOut
from app.auth.policy import ensure_admin, ensure_approved_agent
from app.auth.principal import User
from app.core.db import Database
from app.core.log import security_event
from app.events import record as events
from app.events.record import Session
from app.tickets import autoassign, loads
from app.tickets.loads import SETTINGS_ID, AssignmentSettingsDoc


async def read_settings(*, db: Database, admin: User) -> AssignmentSettingsDoc:
    ensure_admin(admin)
    return await loads.load_settings(db)


async def replace_settings(
    *, db: Database, admin: User, data: AssignmentSettingsIn
) -> AssignmentSettingsDoc:
    ensure_admin(admin)
    doc = AssignmentSettingsDoc(
        _id=SETTINGS_ID,
        mode=data.mode,
        max_open_per_agent=data.max_open_per_agent,
        match_categories=data.match_categories,
    )
    await queries.replace_settings(db, doc)
    security_event("assignment_settings_changed", actor_id=str(admin.id), mode=data.mode)
    await autoassign.assign_waiting(db)  # the mode on, the cap raised: room for waiting ones
    return doc


async def read_availability(*, db: Database, agent: User) -> AvailabilityOut:
    ensure_approved_agent(agent)
    found = await queries.find_availability(db, agent.id) or {}
    availability = found.get("availability") or {"available": False, "categories": []}
    return AvailabilityOut(**availability, open_tickets=found.get("open_tickets", 0))


async def set_availability(*, db: Database, agent: User, data: AvailabilityIn) -> AvailabilityOut:
    """Also counts the agent's load afresh from their tickets, in the same transaction (a
    ticket write at the same time writes the same document: one of the two is retried), so a
    load kept before this feature existed is right from here on."""
    ensure_approved_agent(agent)
    availability = data.model_dump(mode="json")

    async def work(session: Session) -> int:
        held = await loads.count_held(db, session, agent.id)
        fields = {"availability": availability, "open_tickets": held}
        await queries.set_availability(db, session, agent.id, fields)
        return held

    held = await events.in_transaction(db, work)
    if data.available:
        await autoassign.assign_waiting(db)
    return AvailabilityOut(**availability, open_tickets=held)
