"""Issue 23, bulk changes: each ticket authorised and changed on its own, in one transaction,
with the same guards and events as one by one; results in the order given."""

import asyncio
from typing import Any

import httpx
from bson import ObjectId

from app.core.db import Database
from tests.factories import Actor, Actors, assign, create_ticket, set_status, ticket_events

BULK = "/api/support/tickets/bulk/"


async def bulk(
    client: httpx.AsyncClient, actor: Actor, headers: dict[str, str] | None = None, **body: Any
) -> httpx.Response:
    return await client.post(BULK, json=body, headers={**actor.headers, **(headers or {})})


async def tickets_of(
    client: httpx.AsyncClient, actors: Actors, n: int, agent: Actor | None
) -> list[str]:
    ids = [(await create_ticket(client, actors.customer))["id"] for _ in range(n)]
    for ticket_id in ids:
        if agent is not None:
            await assign(client, ticket_id, agent)
    return ids


async def stored(db: Database, ticket_id: str) -> dict[str, Any]:
    ticket = await db.tickets.find_one({"_id": ObjectId(ticket_id)})
    assert ticket is not None
    return ticket


class TestValidation:
    async def test_refused_requests(self, client: httpx.AsyncClient, actors: Actors) -> None:
        one = str(ObjectId())
        for body, field in (
            ({"ticket_ids": [], "set_priority": "High"}, "ticket_ids"),
            ({"ticket_ids": [str(ObjectId()) for _ in range(101)], "note": "n"}, "ticket_ids"),
            ({"ticket_ids": [one, one.upper()], "set_priority": "High"}, "ticket_ids"),
            ({"ticket_ids": [one]}, "non_field_errors"),
            ({"ticket_ids": [one], "add_tags": ["no way"]}, "add_tags.0"),
            ({"ticket_ids": [one], "set_status": "Done"}, "set_status"),
            ({"ticket_ids": ["nope"], "note": "n"}, "ticket_ids.0"),
        ):
            response = await bulk(client, actors.admin, **body)
            assert response.status_code == 400, body
            assert list(response.json()) == [field], response.text

    async def test_who_may_call(self, client: httpx.AsyncClient, actors: Actors) -> None:
        [ticket_id] = await tickets_of(client, actors, 1, actors.agent)
        for actor in (actors.customer, actors.pending_agent):
            response = await bulk(client, actor, ticket_ids=[ticket_id], set_priority="High")
            assert response.status_code == 403
        agent_assigns = await bulk(
            client, actors.agent, ticket_ids=[ticket_id], assign_to=actors.agent.id
        )
        assert agent_assigns.status_code == 403
        not_an_agent = await bulk(
            client, actors.admin, ticket_ids=[ticket_id], assign_to=actors.customer.id
        )
        assert not_an_agent.status_code == 400 and list(not_an_agent.json()) == ["assign_to"]


class TestEachTicketOnItsOwn:
    async def test_results_in_order_and_failures_undo_nothing(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        mine = await tickets_of(client, actors, 2, actors.agent)
        [queued] = await tickets_of(client, actors, 1, None)  # visible, not theirs to work on
        [others] = await tickets_of(client, actors, 1, actors.other_agent)  # invisible
        [closed] = await tickets_of(client, actors, 1, actors.agent)
        for status in ("Resolved", "Closed"):
            await set_status(client, closed, actors.agent, status)
        unknown = str(ObjectId())
        order = [mine[0], queued, others, unknown, closed, mine[1]]
        response = await bulk(
            client, actors.agent, ticket_ids=order, set_status="On Hold", set_priority="High"
        )
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["ticket_id"] for r in results] == order
        assert [r["ok"] for r in results] == [True, False, False, False, False, True]
        assert results[0]["ticket"] == {
            "id": mine[0], "status": "On Hold", "priority": "High",
            "agent_id": actors.agent.id, "tags": [],
        }  # fmt: skip
        codes = [r["error"]["code"] for r in results if not r["ok"]]
        assert codes == ["permission_denied", "not_found", "not_found", "bad_request"]
        assert (
            results[2]["error"]
            == results[3]["error"]
            == {
                "error": "Ticket not found",
                "code": "not_found",
            }
        )  # another agent's ticket is answered like one that does not exist
        assert "Cannot change status" in results[4]["error"]["error"]
        for ticket_id in mine:
            ticket = await stored(db, ticket_id)
            assert (ticket["status"], ticket["priority"]) == ("On Hold", "High")
            changes = await ticket_events(db, ticket_id, "ticket.status_changed")
            assert changes[-1]["data"] == {"from": "In Progress", "to": "On Hold"}
        assert (await stored(db, queued))["status"] == "Open"
        assert (await stored(db, others))["priority"] == "Medium"

    async def test_one_transaction_per_ticket_in_the_documented_order(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ids = await tickets_of(client, actors, 2, None)
        before = [(await stored(db, t))["version"] for t in ids]
        response = await bulk(
            client,
            actors.admin,
            ticket_ids=ids,
            assign_to=actors.agent.id,
            note="Carrier confirmed the loss",
            add_tags=["carrier"],
            set_status="Resolved",
        )
        assert [r["ok"] for r in response.json()["results"]] == [True, True], response.text
        for ticket_id, version in zip(ids, before, strict=True):
            ticket = await stored(db, ticket_id)
            assert ticket["version"] == version + 1  # one write
            assert ticket["agent_id"] == ObjectId(actors.agent.id)
            assert (ticket["status"], ticket["tags"], ticket["note_count"]) == (
                "Resolved", ["carrier"], 1,
            )  # fmt: skip
            events = await ticket_events(db, ticket_id)
            mine = [(e["type"], e["data"].get("to")) for e in events[1:]]
            assert mine == [
                ("ticket.assigned", None),
                ("ticket.status_changed", "In Progress"),
                ("note.created", None),
                ("ticket.tags_changed", None),
                ("ticket.status_changed", "Resolved"),
            ]
            assert {e["ticket_version"] for e in events[1:]} == {version + 1}
            notes = await db.ticket_notes.find({"ticket_id": ObjectId(ticket_id)}).to_list()
            assert [n["note"] for n in notes] == ["Carrier confirmed the loss"]

    async def test_a_refused_step_fails_the_whole_ticket(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        [ticket_id] = await tickets_of(client, actors, 1, actors.agent)
        response = await bulk(
            client, actors.agent, ticket_ids=[ticket_id], note="n", set_status="Closed"
        )
        assert response.json()["results"][0]["ok"] is False
        ticket = await stored(db, ticket_id)
        assert (ticket["status"], ticket["note_count"]) == ("In Progress", 0)
        assert await db.ticket_notes.count_documents({}) == 0

    async def test_nothing_to_change_writes_nothing(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        [ticket_id] = await tickets_of(client, actors, 1, actors.agent)
        await bulk(client, actors.agent, ticket_ids=[ticket_id], add_tags=["vip"])
        version = (await stored(db, ticket_id))["version"]
        again = await bulk(client, actors.agent, ticket_ids=[ticket_id], add_tags=["vip"])
        assert again.json()["results"][0]["ok"] is True
        assert (await stored(db, ticket_id))["version"] == version
        assert len(await ticket_events(db, ticket_id, "ticket.tags_changed")) == 1


class TestRetriesAndRaces:
    async def test_idempotency_key_replays_without_a_second_change(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        [ticket_id] = await tickets_of(client, actors, 1, actors.agent)
        key = {"Idempotency-Key": "bulk-1"}
        first = await bulk(client, actors.agent, key, ticket_ids=[ticket_id], note="once")
        again = await bulk(client, actors.agent, key, ticket_ids=[ticket_id], note="once")
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert await db.ticket_notes.count_documents({}) == 1

    async def test_simultaneous_bulk_changes_on_the_same_tickets_both_apply(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ids = await tickets_of(client, actors, 4, actors.agent)
        before = {t: (await stored(db, t))["version"] for t in ids}
        answers = await asyncio.gather(
            bulk(client, actors.admin, ticket_ids=ids, add_tags=["a"], set_priority="High"),
            bulk(client, actors.agent, ticket_ids=ids[::-1], add_tags=["b"], note="seen"),
            bulk(client, actors.admin, ticket_ids=ids[1:], remove_tags=["zz"], add_tags=["c"]),
        )
        for answer in answers:
            assert answer.status_code == 200
            assert all(r["ok"] for r in answer.json()["results"]), answer.text
        for ticket_id in ids:
            ticket = await stored(db, ticket_id)
            expected = {"a", "b"} | ({"c"} if ticket_id != ids[0] else set())
            assert set(ticket["tags"]) == expected
            assert (ticket["priority"], ticket["note_count"]) == ("High", 1)
            writes = 3 if ticket_id != ids[0] else 2
            assert ticket["version"] == before[ticket_id] + writes
            events = await ticket_events(db, ticket_id)
            versions = [
                e["ticket_version"] for e in events if e["ticket_version"] > before[ticket_id]
            ]
            assert sorted(set(versions)) == list(
                range(before[ticket_id] + 1, ticket["version"] + 1)
            )

    async def test_simultaneous_bulk_adds_past_the_tag_limit_let_exactly_one_in(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        [ticket_id] = await tickets_of(client, actors, 1, actors.agent)
        nineteen = [f"t{n}" for n in range(19)]
        first = await bulk(client, actors.agent, ticket_ids=[ticket_id], add_tags=nineteen)
        assert first.json()["results"][0]["ok"] is True
        callers = [actors.agent, actors.admin] * 3
        answers = await asyncio.gather(
            *(
                bulk(client, who, ticket_ids=[ticket_id], add_tags=[f"new-{n}"])
                for n, who in enumerate(callers)
            )
        )
        assert all(answer.status_code == 200 for answer in answers)
        results = [answer.json()["results"][0] for answer in answers]
        assert sorted(r["ok"] for r in results) == [False] * 5 + [True], results
        for refused in (r for r in results if not r["ok"]):
            assert refused["error"] == {
                "error": "A ticket can have at most 20 tags.",
                "code": "bad_request",
            }
        [won] = [r["ticket"]["tags"][-1] for r in results if r["ok"]]
        assert (await stored(db, ticket_id))["tags"] == [*nineteen, won]
        events = await ticket_events(db, ticket_id, "ticket.tags_changed")
        assert [e["data"]["added"] for e in events] == [nineteen, [won]]
