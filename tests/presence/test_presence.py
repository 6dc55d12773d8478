"""Issue 23: presence, heartbeats of staff on a ticket that expire after 30 s, shown to staff
only, with events for changes only."""

import asyncio
from typing import Any

import httpx
from bson import ObjectId

from app.core.db import Database
from tests.conftest import Clock
from tests.factories import Actor, Actors, store_ticket


async def assigned_ticket(db: Database, actors: Actors) -> str:
    ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
    return str(ticket["_id"])


async def beat(
    client: httpx.AsyncClient, ticket_id: str, who: Actor, state: str = "viewing"
) -> list[dict[str, Any]]:
    response = await client.post(
        f"/api/support/tickets/{ticket_id}/presence/", json={"state": state}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    viewers: list[dict[str, Any]] = response.json()["viewers"]
    return viewers


async def presence_events(db: Database, ticket_id: str) -> list[tuple[str, str]]:
    found = db.events.find({"type": "ticket.presence", "ticket_id": ObjectId(ticket_id)})
    return [(e["data"]["name"], e["data"]["state"]) async for e in found.sort("occurred_at")]


class TestHeartbeat:
    async def test_answers_the_others_on_the_ticket(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ticket_id = await assigned_ticket(db, actors)
        assert await beat(client, ticket_id, actors.agent) == []
        clock.advance(seconds=5)
        others = await beat(client, ticket_id, actors.admin, "typing")
        assert others == [
            {
                "agent_id": actors.agent.id,
                "name": actors.agent.name,
                "state": "viewing",
                "since": "2026-03-02T09:00:00Z",
            }
        ]

    async def test_expires_after_30_seconds_without_a_beat(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ticket_id = await assigned_ticket(db, actors)
        await beat(client, ticket_id, actors.agent)
        clock.advance(seconds=29)
        assert [v["name"] for v in await beat(client, ticket_id, actors.admin)] == [
            actors.agent.name
        ]
        clock.advance(seconds=2)
        assert await beat(client, ticket_id, actors.admin) == []

    async def test_a_beat_keeps_its_state_since(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ticket_id = await assigned_ticket(db, actors)
        for _ in range(3):  # 60 s on the ticket, a beat every 20 s
            await beat(client, ticket_id, actors.agent)
            clock.advance(seconds=20)
        (seen,) = await beat(client, ticket_id, actors.admin)
        assert seen["since"] == "2026-03-02T09:00:00Z"


class TestEvents:
    async def test_only_changes_are_events(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ticket_id = await assigned_ticket(db, actors)
        name = actors.agent.name
        for state in ("viewing", "viewing", "typing", "typing", "typing", "viewing", "viewing"):
            await beat(client, ticket_id, actors.agent, state)
            clock.advance(seconds=10)
        assert await presence_events(db, ticket_id) == [
            (name, "viewing"), (name, "typing"), (name, "viewing")
        ]  # fmt: skip
        event = await db.events.find_one({"type": "ticket.presence"})
        assert event is not None and event["visibility"] == "internal"

    async def test_leaving_and_expiring_are_events(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ticket_id = await assigned_ticket(db, actors)
        await beat(client, ticket_id, actors.agent)
        await beat(client, ticket_id, actors.admin)
        left = await client.delete(
            f"/api/support/tickets/{ticket_id}/presence/", headers=actors.admin.headers
        )
        assert left.json() == {"message": "Presence ended"}
        clock.advance(seconds=31)
        await beat(client, ticket_id, actors.admin)  # sweeps the agent's expired beat
        agent, admin = actors.agent.name, actors.admin.name
        assert await presence_events(db, ticket_id) == [
            (agent, "viewing"), (admin, "viewing"), (admin, "left"), (agent, "left"),
            (admin, "viewing"),
        ]  # fmt: skip

    async def test_simultaneous_first_beats_are_one_arrival(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ticket_id = await assigned_ticket(db, actors)
        await asyncio.gather(*(beat(client, ticket_id, actors.agent) for _ in range(5)))
        assert await presence_events(db, ticket_id) == [(actors.agent.name, "viewing")]
        assert await db.ticket_presence.count_documents({"ticket_id": ObjectId(ticket_id)}) == 1


class TestWebhooks:
    async def test_presence_goes_only_to_webhooks_that_name_it(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        from app.webhooks.delivery import dispatch

        hooks = {}
        for name, types in (("all", []), ("presence", ["ticket.presence"])):
            body = {"url": f"http://127.0.0.1:9/{name}", "event_types": types}
            made = await client.post(
                "/api/admin/webhooks/", json=body, headers=actors.admin.headers
            )
            hooks[name] = ObjectId(made.json()["webhook"]["id"])
        await beat(client, await assigned_ticket(db, actors), actors.agent)
        await dispatch(db)
        for name, expected in (("all", 0), ("presence", 1)):
            sent = {"webhook_id": hooks[name], "event_type": "ticket.presence"}
            assert await db.webhook_deliveries.count_documents(sent) == expected, name


class TestDetail:
    async def test_staff_see_the_others_and_customers_nothing(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ticket_id = await assigned_ticket(db, actors)
        await beat(client, ticket_id, actors.agent, "typing")
        await beat(client, ticket_id, actors.admin)
        url = f"/api/support/tickets/{ticket_id}/"
        by_agent = (await client.get(url, headers=actors.agent.headers)).json()
        assert [(v["name"], v["state"]) for v in by_agent["viewers"]] == [
            (actors.admin.name, "viewing")
        ]
        by_admin = (await client.get(url, headers=actors.admin.headers)).json()
        assert [(v["name"], v["state"]) for v in by_admin["viewers"]] == [
            (actors.agent.name, "typing")
        ]
        by_customer = await client.get(url, headers=actors.customer.headers)
        assert "viewers" not in by_customer.json()
        for secret in (actors.agent.name, actors.admin.name, "typing"):
            assert secret not in by_customer.text

    async def test_customers_never_get_presence_events(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ticket_id = await assigned_ticket(db, actors)
        await beat(client, ticket_id, actors.agent, "typing")
        for url in (f"/api/support/tickets/{ticket_id}/events/", "/api/events/"):
            seen = await client.get(url, headers=actors.customer.headers)
            assert seen.status_code == 200 and "ticket.presence" not in seen.text
        staff = await client.get(
            f"/api/support/tickets/{ticket_id}/events/", headers=actors.agent.headers
        )
        assert "ticket.presence" in staff.text


class TestWho:
    async def test_staff_who_may_see_the_ticket(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket_id = await assigned_ticket(db, actors)
        url = f"/api/support/tickets/{ticket_id}/presence/"
        body = {"state": "viewing"}
        assert (await client.post(url, json=body)).status_code == 401
        for caller in (actors.customer, actors.pending_agent, actors.other_agent):
            refused = await client.post(url, json=body, headers=caller.headers)
            assert refused.status_code == 403, caller.role
        queue = await store_ticket(db, actors.customer)
        url = f"/api/support/tickets/{queue['_id']}/presence/"
        assert (
            await client.post(url, json=body, headers=actors.other_agent.headers)
        ).status_code == 200

    async def test_state_is_viewing_or_typing(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket_id = await assigned_ticket(db, actors)
        url = f"/api/support/tickets/{ticket_id}/presence/"
        for body in ({"state": "left"}, {}, {"state": "typing", "x": 1}):
            answer = await client.post(url, json=body, headers=actors.agent.headers)
            assert answer.status_code == 400, body
