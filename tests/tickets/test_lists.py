"""Issue 4: the agent queue, the admin list, keyset pagination."""

import asyncio
from unittest.mock import ANY

import httpx
import pytest
from bson import ObjectId

from tests.factories import Actor, Actors, assign, create_ticket, set_status


class TestAgentQueue:
    url = "/api/agent/tickets/"

    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        assert (await client.get(self.url)).status_code == 401

    async def test_wrong_role(self, client: httpx.AsyncClient, actors: Actors) -> None:
        for caller in (actors.customer, actors.admin):
            assert (await client.get(self.url, headers=caller.headers)).status_code == 403
        pending = await client.get(self.url, headers=actors.pending_agent.headers)
        assert pending.json() == {
            "error": "Your agent account is awaiting admin approval",
            "code": ANY,
        }

    async def test_own_and_unassigned_with_customer_names(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        mine = await create_ticket(client, actors.customer, subject="mine")
        theirs = await create_ticket(client, actors.customer, subject="theirs")
        waiting = await create_ticket(client, actors.other_customer, subject="waiting")
        await assign(client, mine["id"], actors.agent)
        await assign(client, theirs["id"], actors.other_agent)
        response = await client.get(self.url, headers=actors.agent.headers)
        assert response.status_code == 200
        tickets = response.json()["tickets"]
        assert [t["id"] for t in tickets] == [waiting["id"], mine["id"]]
        assert tickets[0]["customer_name"] == actors.other_customer.name
        assert tickets[0]["customer_id"] == actors.other_customer.id
        assert tickets[0]["agent_id"] is None
        assert tickets[1]["customer_name"] == actors.customer.name
        assert {
            "id",
            "subject",
            "description",
            "category",
            "status",
            "priority",
            "customer_name",
            "customer_id",
            "created_at",
            "updated_at",
        } <= set(tickets[0])

    async def test_filters(self, client: httpx.AsyncClient, actors: Actors) -> None:
        mine = await create_ticket(client, actors.customer)
        waiting = await create_ticket(client, actors.customer)
        await assign(client, mine["id"], actors.agent)
        headers = actors.agent.headers
        by_status = (await client.get(f"{self.url}?status=Open", headers=headers)).json()["tickets"]
        assert [t["id"] for t in by_status] == [waiting["id"]]
        by_progress = (await client.get(f"{self.url}?status=In Progress", headers=headers)).json()[
            "tickets"
        ]
        assert [t["id"] for t in by_progress] == [mine["id"]]
        only_mine = (await client.get(f"{self.url}?assigned=me", headers=headers)).json()["tickets"]
        assert [t["id"] for t in only_mine] == [mine["id"]]
        unassigned = (await client.get(f"{self.url}?assigned=unassigned", headers=headers)).json()[
            "tickets"
        ]
        assert [t["id"] for t in unassigned] == [waiting["id"]]

    @pytest.mark.parametrize(
        "query", ["status=Bogus", "assigned=them", "limit=0", "limit=101", "cursor=!!"]
    )
    async def test_invalid_filters(
        self, client: httpx.AsyncClient, agent: Actor, query: str
    ) -> None:
        response = await client.get(f"{self.url}?{query}", headers=agent.headers)
        assert response.status_code == 400
        assert list(response.json()) == [query.split("=")[0]]


class TestAdminList:
    url = "/api/admin/support/tickets/"

    async def test_wrong_role(self, client: httpx.AsyncClient, actors: Actors) -> None:
        assert (await client.get(self.url)).status_code == 401
        for caller in (actors.customer, actors.agent):
            assert (await client.get(self.url, headers=caller.headers)).status_code == 403

    async def test_all_with_names(self, client: httpx.AsyncClient, actors: Actors) -> None:
        assigned = await create_ticket(client, actors.customer, category="Late")
        waiting = await create_ticket(client, actors.other_customer, category="Lost")
        await assign(client, assigned["id"], actors.agent)
        response = await client.get(self.url, headers=actors.admin.headers)
        assert response.status_code == 200
        tickets = response.json()["tickets"]
        assert [t["id"] for t in tickets] == [waiting["id"], assigned["id"]]
        assert tickets[0]["agent_name"] is None
        assert tickets[0]["customer_name"] == actors.other_customer.name
        assert tickets[1]["agent_name"] == actors.agent.name
        assert {
            "id",
            "subject",
            "category",
            "status",
            "priority",
            "customer_name",
            "agent_name",
            "created_at",
            "updated_at",
        } <= set(tickets[0])

    async def test_filters(self, client: httpx.AsyncClient, actors: Actors) -> None:
        late = await create_ticket(client, actors.customer, category="Late")
        lost = await create_ticket(client, actors.other_customer, category="Lost")
        await assign(client, late["id"], actors.agent)
        await set_status(client, late["id"], actors.agent, "On Hold")

        async def ids(query: str) -> list[str]:
            response = await client.get(f"{self.url}?{query}", headers=actors.admin.headers)
            assert response.status_code == 200, response.text
            return [t["id"] for t in response.json()["tickets"]]

        assert await ids("status=On Hold") == [late["id"]]
        assert await ids("category=Lost") == [lost["id"]]
        assert await ids(f"agent_id={actors.agent.id}") == [late["id"]]
        assert await ids(f"customer_id={actors.other_customer.id}") == [lost["id"]]
        assert await ids("status=Open&category=Lost") == [lost["id"]]
        assert await ids(f"agent_id={ObjectId()}") == []

    @pytest.mark.parametrize(
        "query", ["status=Bogus", "category=Broken", "agent_id=nope", "customer_id=%24ne"]
    )
    async def test_invalid_filters(
        self, client: httpx.AsyncClient, admin: Actor, query: str
    ) -> None:
        response = await client.get(f"{self.url}?{query}", headers=admin.headers)
        assert response.status_code == 400
        assert list(response.json()) == [query.split("=")[0]]


class TestPagination:
    async def pages(
        self, client: httpx.AsyncClient, url: str, actor: Actor, limit: int
    ) -> list[list[str]]:
        pages: list[list[str]] = []
        cursor = None
        while True:
            query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            body = (await client.get(url + query, headers=actor.headers)).json()
            pages.append([t["id"] for t in body["tickets"]])
            cursor = body["next_cursor"]
            if cursor is None:
                return pages

    @pytest.mark.parametrize(
        ("url", "who"),
        [
            ("/api/support/tickets/", "customer"),
            ("/api/agent/tickets/", "agent"),
            ("/api/admin/support/tickets/", "admin"),
        ],
    )
    async def test_pages_cover_everything_once(
        self, client: httpx.AsyncClient, actors: Actors, url: str, who: str
    ) -> None:
        created = [(await create_ticket(client, actors.customer))["id"] for _ in range(7)]
        pages = await self.pages(client, url, getattr(actors, who), limit=3)
        assert [len(p) for p in pages] == [3, 3, 1]
        assert [i for page in pages for i in page] == list(reversed(created))

    async def test_exact_multiple_ends_with_null_cursor(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        for _ in range(4):
            await create_ticket(client, customer)
        pages = await self.pages(client, "/api/support/tickets/", customer, limit=2)
        assert [len(p) for p in pages] == [2, 2]

    async def test_no_duplicates_or_gaps_while_tickets_arrive(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        original = [(await create_ticket(client, actors.customer))["id"] for _ in range(9)]
        seen: list[str] = []
        cursor = None
        while True:
            query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
            # New tickets arrive concurrently with every page read.
            page, *_ = await asyncio.gather(
                client.get(f"/api/admin/support/tickets/{query}", headers=actors.admin.headers),
                create_ticket(client, actors.customer),
                create_ticket(client, actors.other_customer),
            )
            body = page.json()
            seen += [t["id"] for t in body["tickets"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen))
        assert [i for i in seen if i in original] == list(reversed(original))

    async def test_cursor_from_tampering_is_400(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        import base64

        forged = base64.urlsafe_b64encode(b'{"$gt": ""}').decode()
        response = await client.get(
            f"/api/support/tickets/?cursor={forged}", headers=customer.headers
        )
        assert response.status_code == 400
        assert response.json() == {"cursor": ["Invalid cursor."]}
