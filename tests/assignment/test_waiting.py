"""Issue 23, auto-assignment with `match_categories`: waiting tickets are handed out oldest
first among those a free agent takes, however many older ones nobody free takes (a run reads
the waiting tickets of the free agents' categories, through an index on them)."""

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database
from app.tickets.autoassign import WAITING_ROUND
from tests.assignment.test_assignment import agent_of, configure, make_available
from tests.factories import (
    Actors,
    a_ticket,
    create_ticket,
    make_actors,
    store_tickets,
    ticket_events,
)
from tests.system.conftest import CommandRecorder
from tests.system.test_query_plans import explain, plan_stages
from tests.system.test_tag_plans import index_names


async def nobody_takes(db: Database, actors: Actors, n: int) -> None:
    """`n` waiting Damaged tickets, older than anything made after, Open or released."""
    start = utcnow() - timedelta(days=1)
    await store_tickets(
        db,
        [
            a_ticket(
                actors.customer,
                category="Damaged",
                status="In Progress" if k % 3 == 0 else "Open",
                created_at=start + timedelta(seconds=k),
            )
            for k in range(n)
        ],
    )


class TestWaitingPastTicketsNobodyTakes:
    async def test_a_newer_ticket_a_free_agent_takes_is_handed_out(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await configure(client, actors.admin, cap=3, match=True)
        await nobody_takes(db, actors, WAITING_ROUND + 20)
        lost = await create_ticket(client, actors.customer, category="Lost")
        assert await agent_of(db, lost["id"]) is None  # nobody available yet: it waits
        await make_available(client, actors.agent, categories=["Lost"])
        assert await agent_of(db, lost["id"]) == actors.agent.id
        [event] = await ticket_events(db, lost["id"], "ticket.assigned")
        assert event["data"]["reason"] == "auto"
        waiting = await db.tickets.count_documents({"category": "Damaged", "agent_id": None})
        assert waiting == WAITING_ROUND + 20

    async def test_each_category_oldest_first_up_to_the_room_there_is(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await configure(client, actors.admin, cap=2, match=True)
        await nobody_takes(db, actors, WAITING_ROUND + 1)
        lost = [(await create_ticket(client, actors.customer, category="Lost"))["id"]]
        late = [(await create_ticket(client, actors.customer, category="Late"))["id"]]
        lost += [(await create_ticket(client, actors.customer, category="Lost"))["id"]]
        late += [(await create_ticket(client, actors.customer, category="Late"))["id"]]
        lost += [(await create_ticket(client, actors.customer, category="Lost"))["id"]]
        await make_available(client, actors.other_agent, categories=["Late"])
        await make_available(client, actors.agent, categories=["Lost", "Late"])
        assert [await agent_of(db, t) for t in late] == [actors.other_agent.id] * 2
        assert [await agent_of(db, t) for t in lost] == [actors.agent.id] * 2 + [None]


async def assert_read_through(db: Database, commands: list[Any], index: str) -> None:
    """Each recorded find reads `index`, no collection scan, at most one document examined."""
    for command in commands:
        explained = await explain(db, command, "executionStats")
        plan = explained["queryPlanner"]["winningPlan"]
        assert "COLLSCAN" not in plan_stages(plan), command
        assert index in index_names(plan), plan
        assert explained["executionStats"]["totalDocsExamined"] <= 1, explained


async def test_waiting_tickets_are_read_by_category_through_an_index(
    recorded: tuple[FastAPI, httpx.AsyncClient, CommandRecorder], settings: Settings
) -> None:
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    await configure(client, actors.admin, cap=3, match=True)
    await nobody_takes(db, actors, WAITING_ROUND + 20)
    lost = await create_ticket(client, actors.customer, category="Lost")
    recorder.commands.clear()
    await make_available(client, actors.agent, categories=["Lost"])
    assert await agent_of(db, lost["id"]) == actors.agent.id
    finds = [
        c
        for name, c in recorder.commands
        if name == "find" and c["find"] == "tickets" and "agent_id" in c.get("filter", {})
    ]
    assert finds and all(c["filter"].get("category") == "Lost" for c in finds), finds
    await assert_read_through(db, finds, "tickets_waiting_by_category")


async def test_free_agents_are_read_through_the_availability_index(
    recorded: tuple[FastAPI, httpx.AsyncClient, CommandRecorder], settings: Settings
) -> None:
    """A pick reads the available agents below the cap, never the customers: the users
    collection grows with every customer, and a new ticket picks an agent."""
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    await configure(client, actors.admin, cap=3, match=False)
    await make_available(client, actors.agent, categories=[])
    await db.users.insert_many(
        [{"email": f"c{n}@example.com", "role": "customer", "name": "C"} for n in range(30)]
    )
    recorder.commands.clear()
    lost = await create_ticket(client, actors.customer, category="Lost")
    assert await agent_of(db, lost["id"]) == actors.agent.id
    finds = [c for name, c in recorder.commands if name == "find" and c["find"] == "users"]
    picks = [c for c in finds if "availability.available" in c.get("filter", {})]
    assert picks, finds
    await assert_read_through(db, picks, "users_by_availability_and_load")
