"""Issue 23, tags: staff-only labels, their endpoint, their event, the staff lists' filter,
and that no customer ever sees them."""

import asyncio
import random
from typing import Any

import httpx
import pytest
from bson import ObjectId

from app.core.db import Database
from tests.conftest import Clock
from tests.factories import Actor, Actors, assign, create_ticket, set_status, ticket_events
from tests.tickets.test_search_and_filters import every_page, expected
from tests.tickets.test_search_and_filters import generated as generated  # the fixture


def tags_url(ticket_id: str) -> str:
    return f"/api/support/tickets/{ticket_id}/tags/"


async def edit(
    client: httpx.AsyncClient, ticket_id: str, actor: Actor, **body: Any
) -> httpx.Response:
    return await client.post(tags_url(ticket_id), json=body, headers=actor.headers)


async def assigned_ticket(client: httpx.AsyncClient, actors: Actors) -> str:
    ticket_id: str = (await create_ticket(client, actors.customer))["id"]
    await assign(client, ticket_id, actors.agent)
    return ticket_id


class TestEditTags:
    async def test_adds_normalised_and_records_an_internal_event(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket_id = await assigned_ticket(client, actors)
        response = await edit(client, ticket_id, actors.agent, add=[" VIP", "refund-2", "vip"])
        assert response.status_code == 200, response.text
        assert response.json() == {
            "message": "Tags updated successfully",
            "ticket": {"id": ticket_id, "tags": ["vip", "refund-2"]},
        }
        [event] = await ticket_events(db, ticket_id, "ticket.tags_changed")
        assert event["visibility"] == "internal"
        assert event["data"] == {"added": ["vip", "refund-2"], "removed": []}
        detail = await client.get(
            f"/api/support/tickets/{ticket_id}/", headers=actors.admin.headers
        )
        assert detail.json()["ticket"]["tags"] == ["vip", "refund-2"]
        assert response.headers["etag"] == detail.headers["etag"]

    async def test_removes_and_keeps_the_order(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket_id = await assigned_ticket(client, actors)
        await edit(client, ticket_id, actors.agent, add=["a", "b", "c"])
        response = await edit(client, ticket_id, actors.admin, add=["d"], remove=["b", "zz"])
        assert response.json()["ticket"]["tags"] == ["a", "c", "d"]
        events = await ticket_events(db, ticket_id, "ticket.tags_changed")
        assert events[-1]["data"] == {"added": ["d"], "removed": ["b"]}

    async def test_a_change_that_changes_nothing_records_nothing(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket_id = await assigned_ticket(client, actors)
        await edit(client, ticket_id, actors.agent, add=["vip"])
        before = await db.tickets.find_one({"_id": ObjectId(ticket_id)})
        response = await edit(client, ticket_id, actors.agent, add=["vip"], remove=["other"])
        assert response.status_code == 200
        assert response.json()["ticket"]["tags"] == ["vip"]
        after = await db.tickets.find_one({"_id": ObjectId(ticket_id)})
        assert before is not None and after is not None
        assert after["version"] == before["version"]
        assert len(await ticket_events(db, ticket_id, "ticket.tags_changed")) == 1

    async def test_invalid_tags_are_field_errors(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket_id = await assigned_ticket(client, actors)
        for body, field in (
            ({"add": ["ok", "no spaces"]}, "add.1"),
            ({"add": ["x" * 33]}, "add.0"),
            ({"remove": [""]}, "remove.0"),
            ({"add": ["été"]}, "add.0"),
            ({"add": ["a"], "remove": ["A"]}, "remove"),
            ({"add": [f"t{n}" for n in range(21)]}, "add"),
        ):
            response = await edit(client, ticket_id, actors.agent, **body)
            assert response.status_code == 400, body
            assert list(response.json()) == [field], response.text

    async def test_at_most_20_a_ticket(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket_id = await assigned_ticket(client, actors)
        full = [f"t{n}" for n in range(20)]
        assert (await edit(client, ticket_id, actors.agent, add=full)).status_code == 200
        over = await edit(client, ticket_id, actors.agent, add=["one-more"])
        assert over.status_code == 400
        assert over.json() == {"add": ["A ticket can have at most 20 tags."]}
        swap = await edit(client, ticket_id, actors.agent, add=["one-more"], remove=["t0"])
        assert swap.status_code == 200 and len(swap.json()["ticket"]["tags"]) == 20

    async def test_who_may_tag(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket_id = await assigned_ticket(client, actors)
        for actor in (actors.other_agent, actors.customer, actors.pending_agent):
            response = await edit(client, ticket_id, actor, add=["x"])
            assert response.status_code == 403, actor.role
        missing = await edit(client, str(ObjectId()), actors.admin, add=["x"])
        assert missing.status_code == 404

    async def test_not_on_a_closed_ticket(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket_id = await assigned_ticket(client, actors)
        for status in ("Resolved", "Closed"):
            assert (await set_status(client, ticket_id, actors.agent, status)).status_code == 200
        response = await edit(client, ticket_id, actors.agent, add=["late"])
        assert response.status_code == 400 and response.json()["code"] == "ticket_closed"

    async def test_if_match(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket_id = await assigned_ticket(client, actors)
        stale = {**actors.agent.headers, "If-Match": '"1"'}
        response = await client.post(tags_url(ticket_id), json={"add": ["x"]}, headers=stale)
        assert response.status_code == 412

    async def test_simultaneous_edits_lose_no_tag(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket_id = await assigned_ticket(client, actors)
        callers = [actors.agent, actors.admin] * 4
        responses = await asyncio.gather(
            *(edit(client, ticket_id, who, add=[f"tag-{n}"]) for n, who in enumerate(callers))
        )
        assert [r.status_code for r in responses] == [200] * 8, [r.text for r in responses]
        stored = await db.tickets.find_one({"_id": ObjectId(ticket_id)})
        assert stored is not None
        assert sorted(stored["tags"]) == sorted(f"tag-{n}" for n in range(8))
        events = await ticket_events(db, ticket_id, "ticket.tags_changed")
        assert sorted(t for e in events for t in e["data"]["added"]) == sorted(stored["tags"])
        versions = [e["ticket_version"] for e in events]
        assert len(set(versions)) == 8  # each its own write


class TestTagLimitUnderRaces:
    async def test_simultaneous_adds_past_the_limit_let_exactly_one_in(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket_id = await assigned_ticket(client, actors)
        nineteen = [f"t{n}" for n in range(19)]
        assert (await edit(client, ticket_id, actors.agent, add=nineteen)).status_code == 200
        callers = [actors.agent, actors.admin] * 3
        responses = await asyncio.gather(
            *(edit(client, ticket_id, who, add=[f"new-{n}"]) for n, who in enumerate(callers))
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [200] + [400] * 5, [r.text for r in responses]
        for refused in (r for r in responses if r.status_code == 400):
            assert refused.json() == {"add": ["A ticket can have at most 20 tags."]}
        [won] = [r.json()["ticket"]["tags"][-1] for r in responses if r.status_code == 200]
        stored = await db.tickets.find_one({"_id": ObjectId(ticket_id)})
        assert stored is not None and stored["tags"] == [*nineteen, won]
        events = await ticket_events(db, ticket_id, "ticket.tags_changed")
        assert [e["data"]["added"] for e in events] == [nineteen, [won]]


class TestCustomersNeverSeeTags:
    async def test_in_no_response(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket_id = await assigned_ticket(client, actors)
        detail_url = f"/api/support/tickets/{ticket_id}/"
        before = await client.get(detail_url, headers=actors.customer.headers)
        await edit(client, ticket_id, actors.agent, add=["angry-customer"])
        after = await client.get(detail_url, headers=actors.customer.headers)
        assert after.headers["etag"] == before.headers["etag"]  # nothing they see changed
        await client.post(
            f"/api/support/tickets/{ticket_id}/replies/",
            json={"body": "We are on it"},
            headers=actors.agent.headers,
        )
        seen = [
            await client.get(detail_url, headers=actors.customer.headers),
            await client.get("/api/support/tickets/", headers=actors.customer.headers),
            await client.get(
                "/api/support/tickets/?tag=nothing-has-this", headers=actors.customer.headers
            ),
            await client.get(f"{detail_url}events/", headers=actors.customer.headers),
            await client.get(f"{detail_url}replies/", headers=actors.customer.headers),
            await client.get("/api/events/", headers=actors.customer.headers),
        ]
        for response in seen:
            assert response.status_code == 200, response.text
            assert "angry-customer" not in response.text and "tags" not in response.text
        # tag= is ignored in a customer's list: it cannot tell which tickets have a tag
        assert len(seen[2].json()["tickets"]) == 1
        staff = await client.get(detail_url, headers=actors.agent.headers)
        assert "angry-customer" in staff.text


class TestTagFilter:
    async def test_staff_lists_filter_by_every_tag(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        both, one, none = [await assigned_ticket(client, actors) for _ in range(3)]
        await edit(client, both, actors.agent, add=["vip", "refund"])
        await edit(client, one, actors.agent, add=["VIP"])
        for path, who in (
            ("/api/admin/support/tickets/", actors.admin),
            ("/api/agent/tickets/", actors.agent),
        ):
            vip = await client.get(f"{path}?tag=vip", headers=who.headers)
            assert {t["id"] for t in vip.json()["tickets"]} == {both, one}
            assert all("tags" in t for t in vip.json()["tickets"])
            pair = await client.get(f"{path}?tag=Refund&tag=vip", headers=who.headers)
            assert [t["id"] for t in pair.json()["tickets"]] == [both]
            listed = await client.get(f"{path}?tag=refund,vip", headers=who.headers)
            assert listed.json() == pair.json()
            assert pair.json()["tickets"][0]["tags"] == ["vip", "refund"]
            bad = await client.get(f"{path}?tag=not%20a%20tag", headers=who.headers)
            assert bad.status_code == 400 and list(bad.json()) == ["tag"]
        assert none


TAGS = ["vip", "refund", "rare", "late-again"]


@pytest.fixture
async def tagged(db: Database, generated: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """issue 13's generated tickets, with some of TAGS each (a rare one on a few)."""
    rng = random.Random(23)
    for ticket in generated:
        tags = [t for t in TAGS[:2] if rng.random() < 0.4] + (
            ["rare"] if rng.random() < 0.08 else []
        )
        if tags:
            await db.tickets.update_one({"_id": ticket["_id"]}, {"$set": {"tags": tags}})
    return await db.tickets.find().to_list()


def tag_combinations(actors: Actors) -> list[dict[str, Any]]:
    return [
        {"tag": tags, **more, **({"sort": sort} if sort else {})}
        for sort in (None, "-updated_at", "due_at", "-priority")
        for tags, more in (
            (["vip"], {}),
            (["rare"], {}),
            (["vip", "refund"], {}),
            (["refund"], {"status": "Open,In Progress"}),
            (["vip"], {"agent_id": actors.agent.id}),
            (["vip"], {"unassigned": "true", "q": "box"}),
            (["late-again"], {}),
        )
    ]


class TestTagFilterInEverySort:
    """Every sort and scope against a brute-force filter, paged through to the end."""

    async def test_staff_lists_are_exactly_the_tickets_with_every_tag(
        self,
        client: httpx.AsyncClient,
        actors: Actors,
        tagged: list[dict[str, Any]],
        clock: Clock,
    ) -> None:
        me = ObjectId(actors.agent.id)
        tags_of = {str(t["_id"]): set(t.get("tags") or ()) for t in tagged}
        for path, who, scope in (
            ("/api/admin/support/tickets/", actors.admin, lambda t: True),
            ("/api/agent/tickets/", actors.agent, lambda t: t["agent_id"] in (me, None)),
        ):
            for params in tag_combinations(actors):
                got = await every_page(client, path, who, params)
                others = {k: v for k, v in params.items() if k != "tag"}
                want = [
                    i
                    for i in expected(tagged, others, scope, clock.now)
                    if set(params["tag"]) <= tags_of[i]
                ]
                assert got == want, (path, params)
        assert 0 < sum("rare" in tags for tags in tags_of.values()) < 15
