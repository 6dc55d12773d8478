"""Issue 4: every ticket endpoint of the reference, its permissions and status codes."""

import asyncio
import re
from unittest.mock import ANY

import httpx
import pytest
from bson import ObjectId

from app.core.db import Database
from app.tickets.documents import TicketStatus
from app.tickets.workflow import ALLOWED_TRANSITIONS
from tests.factories import (
    Actor,
    Actors,
    assign,
    create_ticket,
    resolved_ticket,
    set_status,
    status_changes,
    store_ticket,
    ticket_events,
)

UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CREATE = "/api/support/tickets/create/"


def detail_url(ticket_id: str) -> str:
    return f"/api/support/tickets/{ticket_id}/"


class TestCreateTicket:
    body = {"subject": "  Package arrived damaged ", "description": "Broken", "category": "Damaged"}

    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        assert (await client.post(CREATE, json=self.body)).status_code == 401

    async def test_wrong_role(self, client: httpx.AsyncClient, actors: Actors) -> None:
        for caller in (actors.agent, actors.admin):
            response = await client.post(CREATE, json=self.body, headers=caller.headers)
            assert response.status_code == 403

    async def test_ok(self, client: httpx.AsyncClient, customer: Actor, db: Database) -> None:
        response = await client.post(
            CREATE,
            json={**self.body, "delivery_id": "507f1f77bcf86cd799439011"},
            headers=customer.headers,
        )
        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Support ticket created successfully"
        assert set(body["ticket"]) == {"id", "subject", "status", "created_at"}
        assert body["ticket"]["subject"] == "Package arrived damaged"
        assert body["ticket"]["status"] == "Open"
        assert UTC_Z.match(body["ticket"]["created_at"])
        stored = await db.tickets.find_one({"_id": ObjectId(body["ticket"]["id"])})
        assert stored is not None
        assert stored["priority"] == "Medium" and stored["agent_id"] is None
        assert stored["customer_id"] == ObjectId(customer.id)
        assert stored["delivery_id"] == "507f1f77bcf86cd799439011"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"subject": "   "}, "subject"),
            ({"subject": "x" * 201}, "subject"),
            ({"description": "x" * 5001}, "description"),
            ({"category": "Broken"}, "category"),
            ({"category": "damaged"}, "category"),
            ({"delivery_id": "x" * 65}, "delivery_id"),
            ({"subject": 42}, "subject"),
        ],
    )
    async def test_bad_request(
        self, client: httpx.AsyncClient, customer: Actor, change: dict[str, object], field: str
    ) -> None:
        response = await client.post(CREATE, json={**self.body, **change}, headers=customer.headers)
        assert response.status_code == 400
        assert list(response.json()) == [field]


class TestListMyTickets:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/api/support/tickets/")).status_code == 401

    async def test_wrong_role(self, client: httpx.AsyncClient, agent: Actor) -> None:
        assert (await client.get("/api/support/tickets/", headers=agent.headers)).status_code == 403

    async def test_ok_only_own_newest_first(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        mine = [await create_ticket(client, actors.customer, subject=f"mine {n}") for n in range(3)]
        await create_ticket(client, actors.other_customer, subject="theirs")
        response = await client.get("/api/support/tickets/", headers=actors.customer.headers)
        assert response.status_code == 200
        body = response.json()
        assert [t["id"] for t in body["tickets"]] == [t["id"] for t in reversed(mine)]
        assert body["next_cursor"] is None
        assert set(body["tickets"][0]) == {
            "reply_count",
            "last_reply_at",
            "first_response_at",
            "id",
            "subject",
            "description",
            "category",
            "status",
            "priority",
            "agent_id",
            "created_at",
            "updated_at",
            "resolved_at",
            "sla",
            "merged_into",
        }
        assert body["tickets"][0]["resolved_at"] is None


class TestTicketDetail:
    async def test_anonymous(self, client: httpx.AsyncClient, customer: Actor) -> None:
        ticket = await create_ticket(client, customer)
        assert (await client.get(detail_url(ticket["id"]))).status_code == 401

    async def test_owner_sees_no_internal_notes_key(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        await client.post(
            f"/api/support/tickets/{ticket['id']}/add-note/",
            json={"note": "secret"},
            headers=actors.agent.headers,
        )
        response = await client.get(detail_url(ticket["id"]), headers=actors.customer.headers)
        assert response.status_code == 200
        assert set(response.json()) == {"view", "ticket"}
        assert response.json()["view"] == "customer"
        assert "secret" not in response.text
        assert set(response.json()["ticket"]) >= {
            "id",
            "subject",
            "description",
            "category",
            "status",
            "priority",
            "agent_id",
            "customer_id",
            "created_at",
            "updated_at",
            "resolved_at",
        }

    async def test_other_customer(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer, subject="private matter")
        response = await client.get(detail_url(ticket["id"]), headers=actors.other_customer.headers)
        assert response.status_code == 403
        assert response.json() == {"error": "You can only view your own tickets", "code": ANY}

    async def test_assigned_agent_sees_notes_oldest_first(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        for text in ("first", "second", "third"):
            await client.post(
                f"/api/support/tickets/{ticket['id']}/add-note/",
                json={"note": text},
                headers=actors.agent.headers,
            )
        response = await client.get(detail_url(ticket["id"]), headers=actors.agent.headers)
        assert response.status_code == 200
        notes = response.json()["internal_notes"]
        assert [n["note"] for n in notes] == ["first", "second", "third"]
        assert set(notes[0]) == {"id", "agent_id", "note", "attachments", "created_at"}
        assert notes[0]["agent_id"] == actors.agent.id

    async def test_other_agent_on_an_assigned_ticket(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        response = await client.get(detail_url(ticket["id"]), headers=actors.other_agent.headers)
        assert response.status_code == 403
        assert response.json() == {
            "error": "You can only view tickets assigned to you",
            "code": ANY,
        }

    async def test_any_approved_agent_reads_an_unassigned_ticket(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        response = await client.get(detail_url(ticket["id"]), headers=actors.other_agent.headers)
        assert response.status_code == 200
        assert response.json()["internal_notes"] == []

    async def test_unapproved_agent(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        response = await client.get(detail_url(ticket["id"]), headers=actors.pending_agent.headers)
        assert response.status_code == 403

    async def test_admin(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        response = await client.get(detail_url(ticket["id"]), headers=actors.admin.headers)
        assert response.status_code == 200
        assert "internal_notes" in response.json()

    async def test_not_found(self, client: httpx.AsyncClient, admin: Actor) -> None:
        response = await client.get(detail_url(str(ObjectId())), headers=admin.headers)
        assert response.status_code == 404
        assert response.json() == {"error": "Ticket not found", "code": ANY}


class TestUpdateStatus:
    async def test_anonymous(self, client: httpx.AsyncClient, customer: Actor) -> None:
        ticket = await create_ticket(client, customer)
        response = await client.put(
            f"/api/support/tickets/{ticket['id']}/update-status/", json={"status": "Closed"}
        )
        assert response.status_code == 401

    async def test_wrong_callers(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        for caller in (actors.customer, actors.other_agent, actors.pending_agent):
            response = await set_status(client, ticket["id"], caller, "On Hold")
            assert response.status_code == 403, caller.role

    async def test_ok_by_assigned_agent_with_priority(
        self, client: httpx.AsyncClient, actors: Actors, db: Database
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        response = await set_status(client, ticket["id"], actors.agent, "Resolved", priority="High")
        assert response.status_code == 200
        assert response.json() == {
            "message": "Ticket status updated successfully",
            "ticket": {"id": ticket["id"], "status": "Resolved", "priority": "High"},
        }
        stored = await db.tickets.find_one({"_id": ObjectId(ticket["id"])})
        assert stored is not None and stored["resolved_at"] is not None
        assert await status_changes(db, ticket["id"]) == [
            ("Open", "In Progress"),
            ("In Progress", "Resolved"),
        ]

    async def test_ok_by_admin_and_reopen_clears_resolved_at(
        self, client: httpx.AsyncClient, actors: Actors, db: Database
    ) -> None:
        ticket_id = await resolved_ticket(client, actors.customer, actors.agent)
        assert (await set_status(client, ticket_id, actors.admin, "In Progress")).status_code == 200
        stored = await db.tickets.find_one({"_id": ObjectId(ticket_id)})
        assert stored is not None and stored["resolved_at"] is None
        await set_status(client, ticket_id, actors.admin, "Resolved")
        assert (await set_status(client, ticket_id, actors.admin, "Closed")).status_code == 200
        stored = await db.tickets.find_one({"_id": ObjectId(ticket_id)})
        assert stored is not None and stored["closed_at"] is not None

    async def test_priority_only(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        response = await set_status(client, ticket["id"], actors.admin, "Open", priority="Low")
        assert response.status_code == 200
        assert response.json()["ticket"] == {
            "id": ticket["id"],
            "status": "Open",
            "priority": "Low",
        }

    @pytest.mark.parametrize(
        "body", [{"status": "Bogus"}, {}, {"status": "Resolved", "priority": "Urgent"}]
    )
    async def test_bad_request(
        self, client: httpx.AsyncClient, actors: Actors, body: dict[str, str]
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        response = await client.put(
            f"/api/support/tickets/{ticket['id']}/update-status/",
            json=body,
            headers=actors.admin.headers,
        )
        assert response.status_code == 400
        assert set(response.json()) <= {"status", "priority", "non_field_errors"}

    async def test_priority_alone(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        response = await client.put(
            f"/api/support/tickets/{ticket['id']}/update-status/",
            json={"priority": "High"},
            headers=actors.agent.headers,
        )
        assert response.status_code == 200, response.text
        assert response.json()["ticket"] | {"id": None} == {
            "id": None,
            "status": "In Progress",
            "priority": "High",
        }
        staff = await client.get(detail_url(ticket["id"]), headers=actors.agent.headers)
        assert staff.json()["view"] == "staff"

    async def test_forbidden_transition(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        response = await set_status(client, ticket["id"], actors.admin, "Closed")
        assert response.status_code == 400
        assert response.json() == {"status": ["Cannot change status from Open to Closed"]}

    async def test_not_found(self, client: httpx.AsyncClient, admin: Actor) -> None:
        assert (await set_status(client, str(ObjectId()), admin, "Closed")).status_code == 404


ALL_STATUSES = list(TicketStatus)


@pytest.mark.parametrize("current", ALL_STATUSES, ids=lambda s: s.value)
async def test_transition_table_all_25_pairs(
    client: httpx.AsyncClient, actors: Actors, db: Database, current: TicketStatus
) -> None:
    """Each row of the table: 5 targets from one status, stated independently of the code."""
    allowed = {
        TicketStatus.OPEN: {"Open", "In Progress"},
        TicketStatus.IN_PROGRESS: {"In Progress", "On Hold", "Resolved"},
        TicketStatus.ON_HOLD: {"On Hold", "In Progress", "Resolved"},
        TicketStatus.RESOLVED: {"Resolved", "Closed", "In Progress"},
        TicketStatus.CLOSED: {"Closed"},
    }[current]
    for target in ALL_STATUSES:
        ticket = await create_ticket(client, actors.customer)
        await db.tickets.update_one(
            {"_id": ObjectId(ticket["id"])}, {"$set": {"status": current.value}}
        )
        response = await set_status(client, ticket["id"], actors.admin, target.value)
        expected = 200 if target.value in allowed else 400
        assert response.status_code == expected, f"{current.value} -> {target.value}"
        if expected == 400:
            assert response.json() == {
                "status": [f"Cannot change status from {current.value} to {target.value}"]
            }
        stored = await db.tickets.find_one({"_id": ObjectId(ticket["id"])})
        assert stored is not None
        assert stored["status"] == (target.value if expected == 200 else current.value)
    # The table in the code says the same.
    assert {current.value} | {s.value for s in ALLOWED_TRANSITIONS[current]} == allowed


class TestAssignSelf:
    def url(self, ticket_id: str) -> str:
        return f"/api/support/tickets/{ticket_id}/assign-self/"

    async def test_anonymous(self, client: httpx.AsyncClient, customer: Actor) -> None:
        ticket = await create_ticket(client, customer)
        assert (await client.post(self.url(ticket["id"]))).status_code == 401

    async def test_wrong_role(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        for caller in (actors.customer, actors.admin, actors.pending_agent):
            assert (
                await client.post(self.url(ticket["id"]), headers=caller.headers)
            ).status_code == 403

    async def test_ok(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        response = await client.post(self.url(ticket["id"]), headers=actors.agent.headers)
        assert response.status_code == 200
        assert response.json() == {
            "message": "Ticket assigned to you successfully",
            "ticket": {"id": ticket["id"], "status": "In Progress", "agent_id": actors.agent.id},
        }

    async def test_already_assigned(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        for caller in (actors.agent, actors.other_agent):
            response = await client.post(self.url(ticket["id"]), headers=caller.headers)
            assert response.status_code == 400
            assert response.json() == {"error": "Ticket is already assigned", "code": ANY}

    async def test_not_found(self, client: httpx.AsyncClient, agent: Actor) -> None:
        assert (
            await client.post(self.url(str(ObjectId())), headers=agent.headers)
        ).status_code == 404

    async def test_twenty_concurrent_calls_one_winner(
        self, client: httpx.AsyncClient, db: Database, settings: object, actors: Actors
    ) -> None:
        from tests.factories import make_actor

        agents = [actors.agent, actors.other_agent] + [
            await make_actor(db, settings, role="support_agent")
            for _ in range(18)  # type: ignore[arg-type]
        ]
        ticket = await create_ticket(client, actors.customer)
        responses = await asyncio.gather(
            *(client.post(self.url(ticket["id"]), headers=a.headers) for a in agents)
        )
        codes = [r.status_code for r in responses]
        assert codes.count(200) == 1 and codes.count(400) == 19
        winner = agents[codes.index(200)]
        stored = await db.tickets.find_one({"_id": ObjectId(ticket["id"])})
        assert stored is not None and stored["agent_id"] == ObjectId(winner.id)
        assert await status_changes(db, ticket["id"]) == [("Open", "In Progress")]
        assigned = await ticket_events(db, ticket["id"], "ticket.assigned")
        assert [e["data"]["agent_id"] for e in assigned] == [winner.id]


class TestReassign:
    def url(self, ticket_id: str) -> str:
        return f"/api/support/tickets/{ticket_id}/reassign/"

    async def test_wrong_role(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        body = {"agent_id": actors.agent.id}
        assert (await client.post(self.url(ticket["id"]), json=body)).status_code == 401
        for caller in (actors.customer, actors.agent):
            assert (
                await client.post(self.url(ticket["id"]), json=body, headers=caller.headers)
            ).status_code == 403

    async def test_ok_moves_open_to_in_progress(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        response = await client.post(
            self.url(ticket["id"]),
            json={"agent_id": actors.other_agent.id},
            headers=actors.admin.headers,
        )
        assert response.status_code == 200
        assert response.json() == {
            "message": "Ticket reassigned successfully",
            "ticket": {"id": ticket["id"], "agent_id": actors.other_agent.id},
        }
        detail = await client.get(detail_url(ticket["id"]), headers=actors.admin.headers)
        assert detail.json()["ticket"]["status"] == "In Progress"

    async def test_from_one_agent_to_another(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        await client.post(
            self.url(ticket["id"]),
            json={"agent_id": actors.other_agent.id},
            headers=actors.admin.headers,
        )
        assert (
            await client.get(detail_url(ticket["id"]), headers=actors.agent.headers)
        ).status_code == 403
        assert (
            await client.get(detail_url(ticket["id"]), headers=actors.other_agent.headers)
        ).status_code == 200

    async def test_unknown_agent(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        response = await client.post(
            self.url(ticket["id"]), json={"agent_id": str(ObjectId())}, headers=actors.admin.headers
        )
        assert response.status_code == 404
        assert response.json() == {"error": "Agent not found", "code": ANY}

    @pytest.mark.parametrize("agent_id", ["not-an-id", "0" * 23, "g" * 24, "0" * 25])
    async def test_agent_id_that_is_not_an_id_is_a_field_error(
        self, client: httpx.AsyncClient, actors: Actors, agent_id: str
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        response = await client.post(
            self.url(ticket["id"]), json={"agent_id": agent_id}, headers=actors.admin.headers
        )
        assert response.status_code == 400
        assert response.json() == {"agent_id": ["Not a valid id."]}

    async def test_not_an_approved_agent(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        for user in (actors.customer, actors.pending_agent, actors.admin):
            response = await client.post(
                self.url(ticket["id"]), json={"agent_id": user.id}, headers=actors.admin.headers
            )
            assert response.status_code == 400
            assert list(response.json()) == ["agent_id"]

    async def test_ticket_not_found(self, client: httpx.AsyncClient, actors: Actors) -> None:
        response = await client.post(
            self.url(str(ObjectId())),
            json={"agent_id": actors.agent.id},
            headers=actors.admin.headers,
        )
        assert response.status_code == 404
        assert response.json() == {"error": "Ticket not found", "code": ANY}


class TestAddNote:
    def url(self, ticket_id: str) -> str:
        return f"/api/support/tickets/{ticket_id}/add-note/"

    async def test_wrong_callers(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        body = {"note": "x"}
        assert (await client.post(self.url(ticket["id"]), json=body)).status_code == 401
        for caller in (actors.customer, actors.other_agent, actors.pending_agent):
            assert (
                await client.post(self.url(ticket["id"]), json=body, headers=caller.headers)
            ).status_code == 403

    async def test_ok(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        for author in (actors.agent, actors.admin):
            response = await client.post(
                self.url(ticket["id"]),
                json={"note": "Awaiting customer photos"},
                headers=author.headers,
            )
            assert response.status_code == 201
            body = response.json()
            assert body["message"] == "Internal note added successfully"
            assert set(body["note"]) == {"id", "note", "attachments", "created_at"}
            assert body["note"]["note"] == "Awaiting customer photos"

    async def test_bad_request(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        for body in ({"note": ""}, {"note": "x" * 5001}, {}):
            response = await client.post(
                self.url(ticket["id"]), json=body, headers=actors.admin.headers
            )
            assert response.status_code == 400
            assert list(response.json()) == ["note"]

    async def test_not_found(self, client: httpx.AsyncClient, admin: Actor) -> None:
        response = await client.post(
            self.url(str(ObjectId())), json={"note": "x"}, headers=admin.headers
        )
        assert response.status_code == 404


class TestFeedback:
    def url(self, ticket_id: str) -> str:
        return f"/api/support/tickets/{ticket_id}/feedback/"

    async def test_anonymous(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket_id = await resolved_ticket(client, actors.customer, actors.agent)
        assert (await client.post(self.url(ticket_id), json={"rating": "5"})).status_code == 401

    async def test_not_the_owner(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket_id = await resolved_ticket(client, actors.customer, actors.agent)
        for caller in (actors.other_customer, actors.agent, actors.admin):
            response = await client.post(
                self.url(ticket_id), json={"rating": "5"}, headers=caller.headers
            )
            assert response.status_code == 403

    async def test_not_resolved_yet(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await create_ticket(client, actors.customer)
        response = await client.post(
            self.url(ticket["id"]), json={"rating": "5"}, headers=actors.customer.headers
        )
        assert response.status_code == 400
        assert response.json() == {
            "error": "Feedback can only be submitted for resolved tickets",
            "code": ANY,
        }

    @pytest.mark.parametrize("rating", ["5", 5, "1", 3])
    async def test_ok(
        self, client: httpx.AsyncClient, actors: Actors, db: Database, rating: object
    ) -> None:
        ticket_id = await resolved_ticket(client, actors.customer, actors.agent)
        response = await client.post(
            self.url(ticket_id),
            json={"rating": rating, "comment": "Great support!"},
            headers=actors.customer.headers,
        )
        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Feedback submitted successfully"
        assert set(body["feedback"]) == {"id", "rating", "created_at"}
        assert body["feedback"]["rating"] == str(rating)
        stored = await db.feedback.find_one({"ticket_id": ObjectId(ticket_id)})
        assert stored is not None and stored["rating"] == int(str(rating))
        assert stored["agent_id"] == ObjectId(actors.agent.id)

    async def test_closed_ticket_accepted(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket_id = await resolved_ticket(client, actors.customer, actors.agent)
        await set_status(client, ticket_id, actors.agent, "Closed")
        response = await client.post(
            self.url(ticket_id), json={"rating": 4}, headers=actors.customer.headers
        )
        assert response.status_code == 201

    @pytest.mark.parametrize("rating", ["6", 0, "0", True, "five", 4.5, None, {"$gt": 0}])
    async def test_bad_rating(
        self, client: httpx.AsyncClient, actors: Actors, rating: object
    ) -> None:
        ticket_id = await resolved_ticket(client, actors.customer, actors.agent)
        response = await client.post(
            self.url(ticket_id), json={"rating": rating}, headers=actors.customer.headers
        )
        assert response.status_code == 400
        assert list(response.json()) == ["rating"]

    async def test_only_once(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket_id = await resolved_ticket(client, actors.customer, actors.agent)
        first = await client.post(
            self.url(ticket_id), json={"rating": "5"}, headers=actors.customer.headers
        )
        second = await client.post(
            self.url(ticket_id), json={"rating": "1"}, headers=actors.customer.headers
        )
        assert first.status_code == 201
        assert second.status_code == 400
        assert second.json() == {
            "error": "Feedback has already been submitted for this ticket",
            "code": ANY,
        }

    async def test_ten_concurrent_submissions_store_one(
        self, client: httpx.AsyncClient, actors: Actors, db: Database
    ) -> None:
        ticket_id = await resolved_ticket(client, actors.customer, actors.agent)
        responses = await asyncio.gather(
            *(
                client.post(
                    self.url(ticket_id), json={"rating": n % 5 + 1}, headers=actors.customer.headers
                )
                for n in range(10)
            )
        )
        assert sorted(r.status_code for r in responses) == [201] + [400] * 9
        assert await db.feedback.count_documents({"ticket_id": ObjectId(ticket_id)}) == 1

    async def test_not_found(self, client: httpx.AsyncClient, customer: Actor) -> None:
        response = await client.post(
            self.url(str(ObjectId())), json={"rating": "5"}, headers=customer.headers
        )
        assert response.status_code == 404


class TestClosedAndResolvedTickets:
    """Closed is final; a Resolved ticket is taken only once reopened."""

    def url(self, ticket_id: object, action: str) -> str:
        return f"/api/support/tickets/{ticket_id}/{action}/"

    async def test_closed_ticket_cannot_be_taken_reassigned_or_noted(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        closed = {"error": "This ticket is closed; please open a new ticket", "code": ANY}
        unassigned = await store_ticket(db, actors.customer, status="Closed")
        taken = await client.post(
            self.url(unassigned["_id"], "assign-self"), headers=actors.agent.headers
        )
        assert (taken.status_code, taken.json()) == (400, closed)
        worked = await store_ticket(db, actors.customer, status="Closed", agent=actors.agent)
        for response in (
            await client.post(
                self.url(worked["_id"], "reassign"),
                json={"agent_id": actors.other_agent.id},
                headers=actors.admin.headers,
            ),
            await client.post(
                self.url(worked["_id"], "add-note"),
                json={"note": "late"},
                headers=actors.agent.headers,
            ),
            await set_status(client, str(worked["_id"]), actors.admin, "Closed", priority="High"),
        ):
            assert (response.status_code, response.json()) == (400, closed)
        stored = await db.tickets.find_one({"_id": worked["_id"]})
        assert stored is not None
        assert (stored["agent_id"], stored["priority"]) == (ObjectId(actors.agent.id), "Medium")
        assert await db.ticket_notes.count_documents({"ticket_id": worked["_id"]}) == 0

    async def test_resolved_ticket_is_taken_only_once_reopened(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        reopen = {
            "error": "This ticket is resolved; reopen it (status In Progress) before assigning it",
            "code": "ticket_resolved",
        }
        orphan = await store_ticket(db, actors.customer, status="Resolved")
        taken = await client.post(
            self.url(orphan["_id"], "assign-self"), headers=actors.agent.headers
        )
        assert (taken.status_code, taken.json()) == (400, reopen)
        ticket_id = await resolved_ticket(client, actors.customer, actors.agent)
        moved = await client.post(
            self.url(ticket_id, "reassign"),
            json={"agent_id": actors.other_agent.id},
            headers=actors.admin.headers,
        )
        assert (moved.status_code, moved.json()) == (400, reopen)
        assert (await set_status(client, ticket_id, actors.agent, "In Progress")).status_code == 200
        moved = await client.post(
            self.url(ticket_id, "reassign"),
            json={"agent_id": actors.other_agent.id},
            headers=actors.admin.headers,
        )
        assert moved.status_code == 200
