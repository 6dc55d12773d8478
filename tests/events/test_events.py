"""Every change is an event, written with it or not at all; who sees which."""

from typing import Any

import httpx
import pytest
from bson import ObjectId

from app.core.db import Database
from app.events import queries as event_queries
from app.events import record as event_record
from app.events.documents import EventType
from tests.factories import Actor, Actors, assign, create_ticket, set_status, signup

WEBHOOK_TYPES = {EventType.WEBHOOK_TEST, EventType.WEBHOOK_DISABLED}
# Produced by the passing of time: tests/sla drives the clock to see them.
SLA_TYPES = {EventType.SLA_FIRST_RESPONSE_BREACHED, EventType.SLA_RESOLUTION_BREACHED}


async def feed(client: httpx.AsyncClient, actor: Actor, query: str = "") -> list[dict[str, Any]]:
    """Every event the actor's feed holds, following the cursor to the end."""
    found: list[dict[str, Any]] = []
    after = ""
    while True:
        page = await client.get(f"/api/events/?limit=100{after}{query}", headers=actor.headers)
        assert page.status_code == 200, page.text
        found += page.json()["events"]
        if page.json()["next_cursor"] is None:
            return found
        after = f"&after={page.json()['next_cursor']}"


async def walk_every_change(client: httpx.AsyncClient, actors: Actors) -> str:
    """One of each change the service records; returns the main ticket's id."""
    admin, agent, customer = actors.admin, actors.agent, actors.customer
    registered = await client.post("/api/support/register-agent/", json=signup("new@example.com"))
    await client.post(
        f"/api/admin/approve-agent/{registered.json()['user']['id']}/", headers=admin.headers
    )
    ticket = (await create_ticket(client, customer))["id"]
    base = f"/api/support/tickets/{ticket}"
    await assign(client, ticket, agent)
    await set_status(client, ticket, agent, "In Progress", priority="High")
    await client.post(f"{base}/replies/", json={"body": "On it"}, headers=agent.headers)
    internal = await client.post(
        f"{base}/attachments/",
        files={"file": ("n.txt", b"carrier says lost", "text/plain")},
        data={"visibility": "internal"},
        headers=agent.headers,
    )
    await client.post(f"{base}/add-note/", json={"note": "SECRET-NOTE"}, headers=agent.headers)
    await client.post(f"{base}/tags/", json={"add": ["secret-tag"]}, headers=agent.headers)
    public = await client.post(
        f"{base}/attachments/",
        files={"file": ("r.txt", b"receipt", "text/plain")},
        headers=customer.headers,
    )
    await client.delete(
        f"/api/support/attachments/{public.json()['attachment']['id']}/", headers=admin.headers
    )
    assert internal.status_code == 201
    await set_status(client, ticket, agent, "Resolved")
    await client.post(f"{base}/feedback/", json={"rating": 5}, headers=customer.headers)
    other = (await create_ticket(client, customer))["id"]
    await assign(client, other, agent)
    await client.post(
        f"/api/support/tickets/{other}/reassign/",
        json={"agent_id": actors.other_agent.id},
        headers=admin.headers,
    )
    presence = {"state": "viewing"}
    await client.post(
        f"/api/support/tickets/{other}/presence/", json=presence, headers=admin.headers
    )
    await client.post(
        f"/api/admin/users/{actors.other_agent.id}/deactivate/", headers=admin.headers
    )
    await client.post(f"/api/admin/users/{actors.other_agent.id}/activate/", headers=admin.headers)
    duplicates = [(await create_ticket(client, customer))["id"] for _ in range(2)]
    merged = await client.post(
        f"/api/support/tickets/{duplicates[0]}/merge/",
        json={"source_ticket_ids": duplicates[1:]},
        headers=admin.headers,
    )
    assert merged.status_code == 200, merged.text
    faq = {"question": "Q?", "answer": "A.", "category": "Late"}
    created = await client.post("/api/admin/faq/", json=faq, headers=admin.headers)
    faq_id = created.json()["faq"]["id"]
    await client.put(f"/api/admin/faq/{faq_id}/", json=faq, headers=admin.headers)
    await client.delete(f"/api/admin/faq/{faq_id}/", headers=admin.headers)
    return str(ticket)


class TestEveryChangeIsAnEvent:
    async def test_each_type_is_produced_by_its_change(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        await walk_every_change(client, actors)
        everything = await feed(client, actors.admin)
        assert {e["type"] for e in everything} == {
            t.value for t in EventType
        } - WEBHOOK_TYPES - SLA_TYPES
        ids = [int(e["id"]) for e in everything]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        assert all("password" not in str(e["data"]) for e in everything)

    async def test_timeline_is_the_tickets_history(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await walk_every_change(client, actors)
        events = (
            await client.get(f"/api/support/tickets/{ticket}/events/", headers=actors.agent.headers)
        ).json()["events"]
        changes = [
            (e["data"]["from"], e["data"]["to"])
            for e in events
            if e["type"] == "ticket.status_changed"
        ]
        assert changes == [("Open", "In Progress"), ("In Progress", "Resolved")]
        assert events[0]["type"] == "ticket.created"


class TestCustomersSeeNothingInternal:
    async def test_timeline_and_feed_hold_public_events_only(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await walk_every_change(client, actors)
        customer = actors.customer
        timeline = (
            await client.get(f"/api/support/tickets/{ticket}/events/", headers=customer.headers)
        ).json()["events"]
        mine = await feed(client, customer)
        for events in (timeline, mine):
            assert events
            assert {e["visibility"] for e in events} == {"public"}
            assert "SECRET-NOTE" not in str(events) and "n.txt" not in str(events)
            assert "secret-tag" not in str(events)
            assert {e["type"] for e in events}.isdisjoint(
                {
                    "note.created",
                    "ticket.assigned",
                    "ticket.unassigned",
                    "agent.registered",
                    "ticket.tags_changed",
                }
            )
            # staff appear by id and role, as everywhere (tests/tickets/test_visibility.py)
            assert all(set(e["actor"]) <= {"type", "id", "role"} for e in events)
        assert await feed(client, actors.other_customer) == []

    async def test_agent_sees_own_tickets_and_the_queues_public_events(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        await walk_every_change(client, actors)
        waiting = await create_ticket(client, actors.other_customer)
        seen = await feed(client, actors.agent)
        assert any(e["ticket_id"] == waiting["id"] for e in seen)  # the queue's public events
        assert all(e["ticket_id"] is not None for e in seen)  # no account or FAQ events
        assert await feed(client, actors.pending_agent) == []


class TestFeedParameters:
    async def test_after_types_and_bad_input(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        for _ in range(3):
            await create_ticket(client, actors.customer)
        created = await feed(client, actors.admin, "&types=ticket.created")
        assert [e["type"] for e in created] == ["ticket.created"] * 3
        after_first = await client.get(
            f"/api/events/?after={created[0]['id']}", headers=actors.admin.headers
        )
        assert [e["id"] for e in after_first.json()["events"]] == [e["id"] for e in created[1:]]
        for query in ("types=ticket.nope", "after=abc", "after=-1"):
            bad = await client.get(f"/api/events/?{query}", headers=actors.admin.headers)
            assert bad.status_code == 400, query


class TestFeedCursor:
    """next_cursor says "Pass as ?cursor= (or after=)": both go on from it."""

    async def test_following_cursor_pages_through_every_event_once(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        for _ in range(5):
            await create_ticket(client, actors.customer)
        everything = [e["id"] for e in await feed(client, actors.admin)]
        seen: list[str] = []
        query = ""
        for _ in range(len(everything) + 1):  # a feed that never ends fails here, not forever
            page = await client.get(f"/api/events/?limit=2{query}", headers=actors.admin.headers)
            assert page.status_code == 200, page.text
            seen += [e["id"] for e in page.json()["events"]]
            if page.json()["next_cursor"] is None:
                break
            query = f"&cursor={page.json()['next_cursor']}"
        assert seen == everything
        assert len(set(seen)) == len(seen) >= 5

    async def test_cursor_and_after_agree_or_it_is_a_400(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        for _ in range(3):
            await create_ticket(client, actors.customer)
        ids = [e["id"] for e in await feed(client, actors.admin)]
        same = await client.get(
            f"/api/events/?cursor={ids[0]}&after={ids[0]}", headers=actors.admin.headers
        )
        assert [e["id"] for e in same.json()["events"]] == ids[1:]
        both = await client.get(
            f"/api/events/?cursor={ids[0]}&after={ids[1]}", headers=actors.admin.headers
        )
        assert both.status_code == 400
        assert both.json() == {"cursor": ["Give cursor or after, not two different positions."]}
        bad = await client.get("/api/events/?cursor=abc", headers=actors.admin.headers)
        assert (bad.status_code, bad.json()) == (400, {"cursor": ["Not an event id."]})


class TestAtomicity:
    """The change's second write fails: neither it nor the first is stored."""

    async def test_ticket_without_its_event_is_not_stored(
        self,
        client: httpx.AsyncClient,
        db: Database,
        actors: Actors,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        async def failing_insert(*args: object, **kwargs: object) -> None:
            raise RuntimeError("the event write fails")

        original = event_queries.events

        def events_that_fail(database: Database) -> Any:
            collection = original(database)
            monkeypatch.setattr(collection, "insert_one", failing_insert)
            return collection

        monkeypatch.setattr(event_record, "events", events_that_fail)
        response = await client.post(
            "/api/support/tickets/create/",
            json={"subject": "s", "description": "d", "category": "Late"},
            headers=actors.customer.headers,
        )
        assert response.status_code == 500
        assert await db.tickets.count_documents({}) == 0
        assert await db.events.count_documents({}) == 0

    async def test_reply_that_fails_leaves_the_ticket_as_it_was(
        self,
        client: httpx.AsyncClient,
        db: Database,
        actors: Actors,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from app.replies import queries as reply_queries

        ticket = await create_ticket(client, actors.customer)
        before = await db.events.count_documents({})

        def replies_that_fail(database: Database) -> Any:
            raise RuntimeError("the reply write fails")

        monkeypatch.setattr(reply_queries, "replies", replies_that_fail)
        response = await client.post(
            f"/api/support/tickets/{ticket['id']}/replies/",
            json={"body": "x"},
            headers=actors.customer.headers,
        )
        assert response.status_code == 500
        stored = await db.tickets.find_one({"_id": ObjectId(ticket["id"])})
        assert stored is not None and stored["reply_count"] == 0 and stored["last_reply_at"] is None
        assert await db.events.count_documents({}) == before
