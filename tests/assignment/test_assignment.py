"""Issue 23: load-balanced auto-assignment. The settings (admins) and each agent's
availability; a new ticket goes to the least loaded available agent below the cap, or waits
and is handed out oldest first once someone has room; and no agent ever exceeds the cap under
simultaneous creates and releases, on one instance or two (the loads live in the database)."""

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
from bson import ObjectId

from app.core.db import Database
from tests.conftest import AppFactory
from tests.factories import (
    Actor,
    Actors,
    create_ticket,
    make_actor,
    set_status,
    ticket_events,
)

SETTINGS = "/api/admin/assignment/"
AVAILABILITY = "/api/agent/availability/"
LOAD = ("Open", "In Progress")
BOUND = 60  # seconds a burst of simultaneous requests may take before the test fails


async def configure(
    client: httpx.AsyncClient,
    admin: Actor,
    *,
    cap: int = 3,
    match: bool = False,
    mode: str = "load_balanced",
) -> dict[str, Any]:
    body = {"mode": mode, "max_open_per_agent": cap, "match_categories": match}
    response = await client.put(SETTINGS, json=body, headers=admin.headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def make_available(
    client: httpx.AsyncClient,
    agent: Actor,
    *,
    available: bool = True,
    categories: list[str] | None = None,
) -> dict[str, Any]:
    body = {"available": available, "categories": categories or []}
    response = await client.put(AVAILABILITY, json=body, headers=agent.headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def start_and_resolve(client: httpx.AsyncClient, ticket_id: str, agent: Actor) -> None:
    """An auto-assigned ticket stays Open until its agent starts on it."""
    for status in ("In Progress", "Resolved"):
        response = await set_status(client, ticket_id, agent, status)
        assert response.status_code == 200, response.text


async def agent_of(db: Database, ticket_id: str) -> str | None:
    ticket = await db.tickets.find_one({"_id": ObjectId(ticket_id)})
    assert ticket is not None
    return None if ticket["agent_id"] is None else str(ticket["agent_id"])


async def held(db: Database) -> Counter[str]:
    """Tickets Open or In Progress per agent, counted from the tickets."""
    found = await db.tickets.find(
        {"status": {"$in": list(LOAD)}, "agent_id": {"$ne": None}}
    ).to_list()
    return Counter(str(t["agent_id"]) for t in found)


async def kept_loads(db: Database, agents: list[Actor]) -> dict[str, int]:
    users = await db.users.find({"_id": {"$in": [ObjectId(a.id) for a in agents]}}).to_list()
    return {str(u["_id"]): u.get("open_tickets", 0) for u in users}


async def highest_loads(db: Database) -> Counter[str]:
    """Each agent's highest load at any moment, replayed from the events in commit order."""
    tickets: dict[Any, tuple[str | None, str]] = {}
    highest: Counter[str] = Counter()
    for event in await db.events.find({"ticket_id": {"$ne": None}}).sort("seq", 1).to_list():
        agent, status = tickets.get(event["ticket_id"], (None, "Open"))
        if event["type"] == "ticket.assigned":
            agent = event["data"]["agent_id"]
        elif event["type"] == "ticket.unassigned":
            agent = None
        elif event["type"] == "ticket.status_changed":
            status = event["data"]["to"]
        tickets[event["ticket_id"]] = (agent, status)
        now = Counter(a for a, s in tickets.values() if a is not None and s in LOAD)
        for a, n in now.items():
            highest[a] = max(highest[a], n)
    return highest


class TestSettings:
    async def test_off_by_default_and_kept_as_put(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        default = await client.get(SETTINGS, headers=admin.headers)
        assert default.json() == {
            "mode": "off",
            "max_open_per_agent": 10,
            "match_categories": False,
        }
        assert await configure(client, admin, cap=4, match=True) == {
            "mode": "load_balanced",
            "max_open_per_agent": 4,
            "match_categories": True,
        }
        again = await client.get(SETTINGS, headers=admin.headers)
        assert again.json()["max_open_per_agent"] == 4

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"max_open_per_agent": 0}, "max_open_per_agent"),
            ({"max_open_per_agent": 1001}, "max_open_per_agent"),
            ({"max_open_per_agent": "many"}, "max_open_per_agent"),
            ({"mode": "round_robin"}, "mode"),
            ({"match_categories": None}, "match_categories"),
            ({"surprise": 1}, "surprise"),
        ],
    )
    async def test_bad_settings_are_field_errors(
        self, client: httpx.AsyncClient, admin: Actor, change: dict[str, Any], field: str
    ) -> None:
        body = {
            "mode": "load_balanced",
            "max_open_per_agent": 3,
            "match_categories": False,
            **change,
        }
        response = await client.put(SETTINGS, json=body, headers=admin.headers)
        assert response.status_code == 400
        assert list(response.json()) == [field] and isinstance(response.json()[field], list)


class TestAvailability:
    async def test_unavailable_by_default_and_kept_as_put(
        self, client: httpx.AsyncClient, agent: Actor
    ) -> None:
        default = await client.get(AVAILABILITY, headers=agent.headers)
        assert default.json() == {"available": False, "categories": [], "open_tickets": 0}
        answer = await make_available(client, agent, categories=["Lost", "Late", "Lost"])
        assert answer == {"available": True, "categories": ["Lost", "Late"], "open_tickets": 0}
        assert (await client.get(AVAILABILITY, headers=agent.headers)).json() == answer

    async def test_unknown_category_is_a_field_error(
        self, client: httpx.AsyncClient, agent: Actor
    ) -> None:
        body = {"available": True, "categories": ["Stolen"]}
        response = await client.put(AVAILABILITY, json=body, headers=agent.headers)
        assert response.status_code == 400 and list(response.json()) == ["categories.0"]

    async def test_admins_and_pending_agents_have_none(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        for caller in (actors.admin, actors.pending_agent, actors.customer):
            response = await client.get(AVAILABILITY, headers=caller.headers)
            assert response.status_code == 403 and set(response.json()) == {"error", "code"}

    async def test_the_load_is_counted_from_the_tickets(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        for _ in range(2):
            ticket = await create_ticket(client, actors.customer)
            await client.post(
                f"/api/support/tickets/{ticket['id']}/assign-self/", headers=actors.agent.headers
            )
        assert (await make_available(client, actors.agent))["open_tickets"] == 2


class TestNewTickets:
    async def test_off_leaves_them_in_the_queue(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await make_available(client, actors.agent)
        ticket = await create_ticket(client, actors.customer)
        assert await agent_of(db, ticket["id"]) is None

    async def test_on_goes_to_an_available_agent_with_its_event(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await configure(client, actors.admin)
        await make_available(client, actors.agent)
        ticket = await create_ticket(client, actors.customer)
        assert await agent_of(db, ticket["id"]) == actors.agent.id  # not other_agent: unavailable
        stored = await db.tickets.find_one({"_id": ObjectId(ticket["id"])})
        assert stored is not None and stored["status"] == "Open"
        [event] = await ticket_events(db, ticket["id"], "ticket.assigned")
        assert event["data"] == {
            "agent_id": actors.agent.id,
            "previous_agent_id": None,
            "reason": "auto",
        }
        assert event["actor"] == {"type": "system"} and event["visibility"] == "internal"
        mine = await client.get("/api/agent/tickets/?assigned=me", headers=actors.agent.headers)
        assert [t["id"] for t in mine.json()["tickets"]] == [ticket["id"]]

    async def test_the_least_loaded_agent_gets_it(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await configure(client, actors.admin, cap=5)
        taken = await create_ticket(client, actors.customer)
        await client.post(
            f"/api/support/tickets/{taken['id']}/assign-self/", headers=actors.agent.headers
        )
        await make_available(client, actors.agent)
        await make_available(client, actors.other_agent)
        got = [
            await agent_of(db, (await create_ticket(client, actors.customer))["id"])
            for _ in range(3)
        ]
        assert Counter(got) == {actors.other_agent.id: 2, actors.agent.id: 1}

    async def test_categories_are_matched_when_asked(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await configure(client, actors.admin, match=True)
        await make_available(client, actors.agent, categories=["Lost"])
        await make_available(client, actors.other_agent, categories=["Late"])
        lost = await create_ticket(client, actors.customer, category="Lost")
        damaged = await create_ticket(client, actors.customer, category="Damaged")
        assert await agent_of(db, lost["id"]) == actors.agent.id
        assert await agent_of(db, damaged["id"]) is None

    async def test_unavailable_or_deactivated_agents_get_nothing(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await configure(client, actors.admin)
        await make_available(client, actors.agent)
        await make_available(client, actors.other_agent)
        await make_available(client, actors.other_agent, available=False)
        deactivated = await client.post(
            f"/api/admin/users/{actors.agent.id}/deactivate/", headers=actors.admin.headers
        )
        assert deactivated.status_code == 200
        ticket = await create_ticket(client, actors.customer)
        assert await agent_of(db, ticket["id"]) is None


class TestWaitingTickets:
    async def test_handed_out_oldest_first_when_an_agent_becomes_available(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await configure(client, actors.admin, cap=2)
        waiting = [(await create_ticket(client, actors.customer))["id"] for _ in range(3)]
        assert (await make_available(client, actors.agent))["open_tickets"] == 0
        assert [await agent_of(db, t) for t in waiting] == [actors.agent.id, actors.agent.id, None]

    async def test_handed_out_when_a_ticket_is_resolved_or_reassigned(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await configure(client, actors.admin, cap=1)
        await make_available(client, actors.agent)
        first, second, third = [
            (await create_ticket(client, actors.customer))["id"] for _ in range(3)
        ]
        assert await agent_of(db, second) is None
        await start_and_resolve(client, first, actors.agent)
        assert await agent_of(db, second) == actors.agent.id
        reassigned = await client.post(
            f"/api/support/tickets/{second}/reassign/",
            json={"agent_id": actors.other_agent.id},
            headers=actors.admin.headers,
        )
        assert reassigned.status_code == 200
        assert await agent_of(db, third) == actors.agent.id

    async def test_handed_out_when_the_cap_is_raised_or_the_mode_turned_on(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await make_available(client, actors.agent)
        first, second = [(await create_ticket(client, actors.customer))["id"] for _ in range(2)]
        await configure(client, actors.admin, cap=1)
        assert [await agent_of(db, first), await agent_of(db, second)] == [actors.agent.id, None]
        await configure(client, actors.admin, cap=2)
        assert await agent_of(db, second) == actors.agent.id

    async def test_a_deactivated_agents_tickets_go_to_others(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await configure(client, actors.admin)
        await make_available(client, actors.agent)
        ticket = await create_ticket(client, actors.customer)
        await make_available(client, actors.other_agent)
        await client.post(
            f"/api/admin/users/{actors.agent.id}/deactivate/", headers=actors.admin.headers
        )
        assert await agent_of(db, ticket["id"]) == actors.other_agent.id
        assert (await kept_loads(db, [actors.agent]))[actors.agent.id] == 0


class TestCapUnderConcurrency:
    async def test_twenty_simultaneous_creates_fill_two_agents_to_the_cap(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await configure(client, actors.admin, cap=3)
        agents = [actors.agent, actors.other_agent]
        for agent in agents:
            await make_available(client, agent)
        created = await asyncio.wait_for(
            asyncio.gather(*(create_ticket(client, actors.customer) for _ in range(20))), BOUND
        )
        assert len({t["id"] for t in created}) == 20
        assert await held(db) == {actors.agent.id: 3, actors.other_agent.id: 3}
        assert await kept_loads(db, agents) == {actors.agent.id: 3, actors.other_agent.id: 3}
        assert max((await highest_loads(db)).values()) == 3

    async def test_simultaneous_resolves_and_creates_never_pass_the_cap(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await configure(client, actors.admin, cap=3)
        agents = [actors.agent, actors.other_agent]
        for agent in agents:
            await make_available(client, agent)
        full = [(await create_ticket(client, actors.customer))["id"] for _ in range(6)]
        owners = {t: await agent_of(db, t) for t in full}
        by_id = {a.id: a for a in agents}

        for ticket_id in full:  # agents at work on them
            response = await set_status(
                client, ticket_id, by_id[owners[ticket_id] or ""], "In Progress"
            )
            assert response.status_code == 200, response.text

        async def resolve(ticket_id: str) -> None:
            response = await set_status(
                client, ticket_id, by_id[owners[ticket_id] or ""], "Resolved"
            )
            assert response.status_code == 200, response.text

        await asyncio.wait_for(
            asyncio.gather(
                *(resolve(t) for t in full[:4]),
                *(create_ticket(client, actors.customer) for _ in range(12)),
            ),
            BOUND,
        )
        # 4 places freed, 12 new tickets: both agents full again, never beyond, 8 left waiting
        assert await held(db) == {actors.agent.id: 3, actors.other_agent.id: 3}
        assert await kept_loads(db, agents) == {actors.agent.id: 3, actors.other_agent.id: 3}
        assert await db.tickets.count_documents({"agent_id": None}) == 8
        assert max((await highest_loads(db)).values()) == 3

    async def test_two_instances_on_one_database_share_the_cap(
        self, app_with: AppFactory, mongodb_url: str
    ) -> None:
        first, one = await app_with()
        database = first.state.settings.mongodb_db
        _, two = await app_with(mongodb_db=database)
        db: Database = first.state.db
        settings = first.state.settings
        customer = await make_actor(db, settings, role="user")
        admin = await make_actor(db, settings, role="admin")
        agents = [await make_actor(db, settings, role="support_agent") for _ in range(2)]
        await configure(one, admin, cap=3)
        for agent in agents:
            await make_available(two, agent)
        await asyncio.wait_for(
            asyncio.gather(*(create_ticket((one, two)[i % 2], customer) for i in range(20))), BOUND
        )
        assert await held(db) == {a.id: 3 for a in agents}
        assert await kept_loads(db, agents) == {a.id: 3 for a in agents}
        assert max((await highest_loads(db)).values()) == 3
