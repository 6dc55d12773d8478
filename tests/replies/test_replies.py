"""The public reply thread: who may write, what a reply does to its ticket, the thread's pages."""

import asyncio
from unittest.mock import ANY

import httpx
from bson import ObjectId

from app.core.db import Database
from tests.factories import (
    Actor,
    Actors,
    assign,
    create_ticket,
    resolved_ticket,
    set_status,
    status_changes,
    store_ticket,
)


def url(ticket_id: object) -> str:
    return f"/api/support/tickets/{ticket_id}/replies/"


async def reply(
    client: httpx.AsyncClient,
    ticket_id: object,
    actor: Actor,
    body: str = "Any news?",
    **extra: object,
) -> httpx.Response:
    return await client.post(url(ticket_id), json={"body": body, **extra}, headers=actor.headers)


class TestAddReply:
    async def test_anonymous(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        assert (await client.post(url(ticket["id"]), json={"body": "x"})).status_code == 401

    async def test_wrong_callers(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        other_agent = await reply(client, ticket["id"], actors.other_agent)
        assert (other_agent.status_code, other_agent.json()) == (
            403,
            {"error": "You can only update tickets assigned to you", "code": ANY},
        )
        assert (await reply(client, ticket["id"], actors.other_customer)).status_code == 403

    async def test_ok_shape_and_ticket_bookkeeping(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        response = await reply(client, ticket["id"], actors.customer, body="  Still waiting  ")
        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Reply added successfully"
        created = body["reply"]
        assert set(created) == {
            "id", "ticket_id", "author", "body", "attachments", "created_at", "via"
        }  # fmt: skip
        assert created["via"] == "web"
        assert created["author"] == {
            "id": actors.customer.id,
            "name": actors.customer.name,
            "role": "user",
        }
        assert (created["body"], created["attachments"]) == ("Still waiting", [])
        detail = (
            await client.get(
                f"/api/support/tickets/{ticket['id']}/", headers=actors.customer.headers
            )
        ).json()["ticket"]
        assert detail["reply_count"] == 1 and detail["last_reply_at"] == created["created_at"]
        assert detail["first_response_at"] is None  # a customer's reply is no response
        listed = (await client.get("/api/support/tickets/", headers=actors.customer.headers)).json()
        assert listed["tickets"][0]["reply_count"] == 1

    async def test_body_bounds(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        for body in ("   ", "x" * 10_001):
            response = await reply(client, ticket["id"], actors.customer, body=body)
            assert response.status_code == 400 and "body" in response.json()
        assert (
            await reply(client, ticket["id"], actors.customer, body="x" * 10_000)
        ).status_code == 201

    async def test_first_response_is_set_once_by_the_first_staff_reply(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        first = (await reply(client, ticket["id"], actors.agent)).json()["reply"]
        await reply(client, ticket["id"], actors.admin)
        await reply(client, ticket["id"], actors.agent)
        stored = await db.tickets.find_one({"_id": ObjectId(ticket["id"])})
        assert stored is not None and stored["reply_count"] == 3
        detail = (
            await client.get(f"/api/support/tickets/{ticket['id']}/", headers=actors.agent.headers)
        ).json()["ticket"]
        assert detail["first_response_at"] == first["created_at"]

    async def test_simultaneous_first_staff_replies_set_it_once(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        answers = await asyncio.wait_for(
            asyncio.gather(*(reply(client, ticket["id"], actors.admin) for _ in range(8))), 30
        )
        created = sorted(a.json()["reply"]["created_at"] for a in answers if a.status_code == 201)
        stored = await db.tickets.find_one({"_id": ObjectId(ticket["id"])})
        assert stored is not None and stored["reply_count"] == len(created)
        assert stored["first_response_at"].strftime("%Y-%m-%dT%H:%M:%SZ") == created[0]

    async def test_customer_reply_reopens_a_resolved_ticket(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket_id = await resolved_ticket(client, actors.customer, actors.agent)
        assert (await reply(client, ticket_id, actors.customer)).status_code == 201
        stored = await db.tickets.find_one({"_id": ObjectId(ticket_id)})
        assert stored is not None
        assert (stored["status"], stored["resolved_at"]) == ("In Progress", None)
        assert (await status_changes(db, ticket_id))[-1] == ("Resolved", "In Progress")

    async def test_customer_reply_takes_an_on_hold_ticket_off_hold(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        await set_status(client, ticket["id"], actors.agent, "On Hold")
        await reply(client, ticket["id"], actors.agent)  # staff keep it on hold
        stored = await db.tickets.find_one({"_id": ObjectId(ticket["id"])})
        assert stored is not None and stored["status"] == "On Hold"
        await reply(client, ticket["id"], actors.customer)
        stored = await db.tickets.find_one({"_id": ObjectId(ticket["id"])})
        assert stored is not None and stored["status"] == "In Progress"

    async def test_nobody_replies_to_a_closed_ticket(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="Closed", agent=actors.agent)
        for actor in (actors.customer, actors.agent, actors.admin):
            response = await reply(client, ticket["_id"], actor)
            assert (response.status_code, response.json()) == (
                400,
                {"error": "This ticket is closed; please open a new ticket", "code": ANY},
            )
        assert await db.ticket_replies.count_documents({}) == 0


class TestThread:
    async def test_oldest_first_in_keyset_pages(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        for n in range(5):
            await reply(client, ticket["id"], actors.agent if n % 2 else actors.customer, f"r{n}")
        seen: list[str] = []
        cursor = None
        while True:
            query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
            page = (
                await client.get(url(ticket["id"]) + query, headers=actors.customer.headers)
            ).json()
            seen += [r["body"] for r in page["replies"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ["r0", "r1", "r2", "r3", "r4"]

    async def test_readers_are_the_ticket_viewers(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        for actor, expected in (
            (actors.customer, 200),
            (actors.agent, 200),
            (actors.admin, 200),
            (actors.other_customer, 403),
            (actors.other_agent, 403),
        ):
            assert (
                await client.get(url(ticket["id"]), headers=actor.headers)
            ).status_code == expected
        bad = await client.get(url(ticket["id"]) + "?cursor=zzz", headers=actors.customer.headers)
        assert bad.status_code == 400 and "cursor" in bad.json()


class TestReplyNamingAnInternalAttachment:
    """Issue 20: a reply never learns that an internal attachment exists."""

    async def test_answered_as_an_attachment_that_does_not_exist(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        internal = await client.post(
            f"/api/support/tickets/{ticket['id']}/attachments/",
            files={"file": ("n.txt", b"staff only", "text/plain")},
            data={"visibility": "internal"},
            headers=actors.agent.headers,
        )
        hidden = internal.json()["attachment"]["id"]
        missing = str(ObjectId())
        for actor in (actors.customer, actors.agent):
            named = await reply(client, ticket["id"], actor, attachment_ids=[hidden])
            absent = await reply(client, ticket["id"], actor, attachment_ids=[missing])
            assert named.status_code == absent.status_code == 400
            assert named.text.replace(hidden, "ID") == absent.text.replace(missing, "ID")
            assert "internal" not in named.text
