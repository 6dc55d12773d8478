"""Races: concurrent writers on one ticket, through the app. (Also in their endpoint's tests:
20 concurrent assign-selfs, 10 concurrent feedbacks, concurrent sign-ups with one email in
several letter cases, a note or status update racing a reassignment.)"""

import asyncio
import itertools

import httpx
from bson import ObjectId

from app.core.db import Database
from app.tickets.documents import TicketStatus
from app.tickets.workflow import can_transition
from tests.factories import Actors, assign, create_ticket, set_status, status_changes


async def test_concurrent_status_updates_never_store_a_forbidden_transition(
    client: httpx.AsyncClient, db: Database, actors: Actors
) -> None:
    ticket = await create_ticket(client, actors.customer)
    await assign(client, ticket["id"], actors.agent)
    targets = itertools.cycle(
        ["On Hold", "Resolved", "In Progress", "Closed", "Resolved", "On Hold"]
    )
    callers = itertools.cycle([actors.agent, actors.admin])
    codes: list[int] = []
    for _ in range(6):  # rounds of 8 simultaneous updates
        responses = await asyncio.gather(
            *(set_status(client, ticket["id"], next(callers), next(targets)) for _ in range(8))
        )
        codes += [r.status_code for r in responses]
    assert set(codes) <= {200, 400, 409}
    assert codes.count(409) > 0  # writers did collide: the guard was exercised
    stored = await db.tickets.find_one({"_id": ObjectId(ticket["id"])})
    assert stored is not None
    history = await status_changes(db, ticket["id"])
    assert history[0] == ("Open", "In Progress")
    for before, after in itertools.pairwise(history):
        assert before[1] == after[0], history  # no lost update
    for old, new in history:
        assert can_transition(TicketStatus(old), TicketStatus(new)), (old, new)
        assert old != new
    assert history[-1][1] == stored["status"]
    # Every stored transition (after the assignment's) was answered 200 to its writer.
    assert codes.count(200) >= len(history) - 1
