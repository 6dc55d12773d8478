"""Issue 3: agent approval, the agent list, deactivation and activation."""

from unittest.mock import ANY

import httpx
from bson import ObjectId

from app.core.db import Database
from tests.factories import Actor, Actors, login, store_ticket, ticket_events


def bearer(pair: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}


def approve_url(agent_id: str) -> str:
    return f"/api/admin/approve-agent/{agent_id}/"


class TestApproveAgent:
    async def test_anonymous(self, client: httpx.AsyncClient, actors: Actors) -> None:
        assert (await client.post(approve_url(actors.pending_agent.id))).status_code == 401

    async def test_wrong_role(self, client: httpx.AsyncClient, actors: Actors) -> None:
        for caller in (actors.customer, actors.agent):
            response = await client.post(
                approve_url(actors.pending_agent.id), headers=caller.headers
            )
            assert response.status_code == 403

    async def test_ok_takes_effect_on_the_live_token(
        self, client: httpx.AsyncClient, actors: Actors, db: Database
    ) -> None:
        pending = actors.pending_agent
        assert (await client.get("/api/agent/tickets/", headers=pending.headers)).status_code == 403
        response = await client.post(approve_url(pending.id), headers=actors.admin.headers)
        assert response.status_code == 200
        assert response.json() == {"message": "Agent approved successfully"}
        assert (await client.get("/api/agent/tickets/", headers=pending.headers)).status_code == 200
        stored = await db.users.find_one({"_id": ObjectId(pending.id)})
        assert stored is not None
        assert stored["approved_by"] == ObjectId(actors.admin.id) and stored["approved_at"]

    async def test_twice_is_ok_and_keeps_the_first_approval(
        self, client: httpx.AsyncClient, actors: Actors, db: Database
    ) -> None:
        await client.post(approve_url(actors.pending_agent.id), headers=actors.admin.headers)
        first = await db.users.find_one({"_id": ObjectId(actors.pending_agent.id)})
        again = await client.post(
            approve_url(actors.pending_agent.id), headers=actors.admin.headers
        )
        assert again.status_code == 200
        assert (await db.users.find_one({"_id": ObjectId(actors.pending_agent.id)})) == first

    async def test_not_an_agent_is_404(self, client: httpx.AsyncClient, actors: Actors) -> None:
        for agent_id in (actors.customer.id, actors.admin.id, str(ObjectId()), "nope"):
            response = await client.post(approve_url(agent_id), headers=actors.admin.headers)
            assert response.status_code == 404
            assert response.json() == {"error": "Agent not found", "code": ANY}


class TestListAgents:
    async def test_wrong_role(self, client: httpx.AsyncClient, agent: Actor) -> None:
        assert (await client.get("/api/admin/agents/", headers=agent.headers)).status_code == 403

    async def test_filter_by_approval(self, client: httpx.AsyncClient, actors: Actors) -> None:
        response = await client.get(
            "/api/admin/agents/?approved=false", headers=actors.admin.headers
        )
        assert response.status_code == 200
        agents = response.json()["agents"]
        assert [a["id"] for a in agents] == [actors.pending_agent.id]
        assert set(agents[0]) == {
            "id",
            "email",
            "name",
            "contact_number",
            "is_approved",
            "is_active",
            "created_at",
        }
        approved = await client.get(
            "/api/admin/agents/?approved=true", headers=actors.admin.headers
        )
        assert {a["id"] for a in approved.json()["agents"]} == {
            actors.agent.id,
            actors.other_agent.id,
        }

    async def test_paginated(self, client: httpx.AsyncClient, actors: Actors) -> None:
        first = (
            await client.get("/api/admin/agents/?limit=2", headers=actors.admin.headers)
        ).json()
        assert len(first["agents"]) == 2 and first["next_cursor"]
        rest = await client.get(
            f"/api/admin/agents/?limit=2&cursor={first['next_cursor']}",
            headers=actors.admin.headers,
        )
        assert len(rest.json()["agents"]) == 1 and rest.json()["next_cursor"] is None

    async def test_bad_cursor(self, client: httpx.AsyncClient, admin: Actor) -> None:
        response = await client.get("/api/admin/agents/?cursor=%%%", headers=admin.headers)
        assert response.status_code == 400
        assert list(response.json()) == ["cursor"]


class TestDeactivateActivate:
    async def test_wrong_role(self, client: httpx.AsyncClient, actors: Actors) -> None:
        url = f"/api/admin/users/{actors.customer.id}/deactivate/"
        assert (await client.post(url, headers=actors.agent.headers)).status_code == 403
        assert (await client.post(url)).status_code == 401

    async def test_live_token_stops_working_at_once_and_stays_dead(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        """Issue 20, item 3: reactivation revives no login from before the deactivation;
        the user signs in again."""
        customer, admin = actors.customer, actors.admin
        before = (await login(client, customer.email)).json()
        assert (await client.get("/api/auth/me/", headers=bearer(before))).status_code == 200
        response = await client.post(
            f"/api/admin/users/{customer.id}/deactivate/", headers=admin.headers
        )
        assert response.status_code == 200
        assert response.json()["user"]["is_active"] is False
        refused = await client.get("/api/support/tickets/", headers=bearer(before))
        assert refused.status_code == 401
        back = await client.post(f"/api/admin/users/{customer.id}/activate/", headers=admin.headers)
        assert back.status_code == 200 and back.json()["user"]["is_active"] is True
        still = await client.get("/api/support/tickets/", headers=bearer(before))
        assert still.status_code == 401
        assert still.json() == {"error": "This login has ended; sign in again", "code": ANY}
        renewed = await client.post(
            "/api/auth/refresh/", json={"refresh_token": before["refresh_token"]}
        )
        assert renewed.status_code == 401
        after = (await login(client, customer.email)).json()
        assert (await client.get("/api/support/tickets/", headers=bearer(after))).status_code == 200

    async def test_unknown_user(self, client: httpx.AsyncClient, admin: Actor) -> None:
        for user_id in (str(ObjectId()), "x"):
            response = await client.post(
                f"/api/admin/users/{user_id}/deactivate/", headers=admin.headers
            )
            assert response.status_code == 404
            assert response.json() == {"error": "User not found", "code": ANY}

    async def test_admin_cannot_deactivate_themselves(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        response = await client.post(
            f"/api/admin/users/{admin.id}/deactivate/", headers=admin.headers
        )
        assert response.status_code == 400
        assert response.json() == {"error": "You cannot deactivate your own account", "code": ANY}

    async def test_deactivating_an_agent_returns_unfinished_tickets_to_the_queue(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        agent, admin = actors.agent, actors.admin
        by_status = {
            status: await store_ticket(db, actors.customer, status=status, agent=agent)
            for status in ("In Progress", "On Hold", "Resolved", "Closed")
        }
        others = await store_ticket(
            db, actors.customer, status="In Progress", agent=actors.other_agent
        )
        response = await client.post(
            f"/api/admin/users/{agent.id}/deactivate/", headers=admin.headers
        )
        assert response.status_code == 200
        assert response.json()["released_tickets"] == 2
        for status, ticket in by_status.items():
            stored = await db.tickets.find_one({"_id": ticket["_id"]})
            assert stored is not None and stored["status"] == status
            released = await ticket_events(db, ticket["_id"], "ticket.unassigned")
            if status in ("Resolved", "Closed"):
                assert stored["agent_id"] == ObjectId(agent.id)  # finished work keeps its agent
                assert released == []
                continue
            assert stored["agent_id"] is None
            (event,) = released
            assert event["data"] == {"previous_agent_id": agent.id, "reason": "agent_deactivated"}
            assert event["actor"]["id"] == ObjectId(admin.id)
        untouched = await db.tickets.find_one({"_id": others["_id"]})
        assert untouched is not None and untouched["agent_id"] == ObjectId(actors.other_agent.id)
        # The released tickets are in the queue for the other agents.
        queue = await client.get(
            "/api/agent/tickets/?assigned=unassigned", headers=actors.other_agent.headers
        )
        assert {t["id"] for t in queue.json()["tickets"]} == {
            str(by_status["In Progress"]["_id"]),
            str(by_status["On Hold"]["_id"]),
        }

    async def test_deactivating_a_customer_releases_nothing(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        response = await client.post(
            f"/api/admin/users/{actors.customer.id}/deactivate/", headers=actors.admin.headers
        )
        assert response.status_code == 200 and response.json()["released_tickets"] == 0
