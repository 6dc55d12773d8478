"""The ticket access policy fails closed, and every write guards what its check relied on."""

import asyncio
from typing import Any

import httpx
import pytest
from bson import ObjectId

from app.auth.documents import Role
from app.auth.principal import User
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import Conflict, PermissionDenied
from app.events import record as events
from app.tickets import activity, policy, service
from app.tickets import schemas as ticket_schemas
from app.tickets.schemas import NoteIn, TicketStatusUpdate
from tests.factories import Actor, Actors, assign, create_ticket, make_actor, store_ticket


def caller(actor: Actor, role: str | None = None, approved: bool = True) -> User:
    """The principal as the app loads it; `role` may be one the code does not know."""
    return User.model_construct(
        id=ObjectId(actor.id),
        email=actor.email,
        name=actor.name,
        role=role or Role(actor.role),
        is_active=True,
        is_approved=approved,
    )


class TestUnknownRole:
    async def test_sees_nothing_and_may_do_nothing(self, db: Database, actors: Actors) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        auditor = caller(actors.admin, role="auditor")
        with pytest.raises(PermissionDenied):
            policy.visible_to(auditor)
        with pytest.raises(PermissionDenied):
            policy.ensure_may_read_tickets(auditor)
        with pytest.raises(PermissionDenied):
            policy.ensure_can_view(auditor, ticket)
        with pytest.raises(PermissionDenied):
            policy.can_read_internal(auditor)
        with pytest.raises(PermissionDenied):
            policy.ensure_can_work_on(auditor, ticket)
        with pytest.raises(PermissionDenied):
            policy.ensure_can_assign_others(auditor)

    async def test_stored_account_with_unknown_role_gets_403_everywhere(
        self, client: httpx.AsyncClient, db: Database, settings: Settings, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        auditor = await make_actor(db, settings, role="auditor")
        for path in (
            "/api/support/tickets/",
            f"/api/support/tickets/{ticket['_id']}/",
            "/api/agent/tickets/",
            "/api/admin/support/tickets/",
            "/api/auth/me/",
        ):
            response = await client.get(path, headers=auditor.headers)
            assert response.status_code == 403, (path, response.text)
            assert "Package" not in response.text

    async def test_unapproved_agent_sees_no_ticket(self, db: Database, actors: Actors) -> None:
        assert policy.visible_to(caller(actors.pending_agent, approved=False)) == []


class TestNarrowingNeverWidens:
    def test_a_filter_cannot_leave_the_scope(self) -> None:
        me = ObjectId()
        scopes = [{"agent_id": me}, {"agent_id": None}]
        other = ObjectId()
        assert policy.narrow(scopes, {"agent_id": other}) == []
        assert policy.narrow(scopes, {"agent_id": None, "status": "Open"}) == [
            {"agent_id": None, "status": "Open"}
        ]
        assert policy.narrow([{"customer_id": me}], {"customer_id": other}) == []


class TestWritesGuardWhatWasChecked:
    """An agent checked as "assigned to me" must not write once the ticket was taken from
    them; the service is called with the ticket as it was read, the reassignment between."""

    async def reassigned_meanwhile(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> dict[str, object]:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        as_read = await service.get_ticket(db=db, ticket_id=ticket["id"])
        response = await client.post(
            f"/api/support/tickets/{ticket['id']}/reassign/",
            json={"agent_id": actors.other_agent.id},
            headers=actors.admin.headers,
        )
        assert response.status_code == 200
        return dict(as_read)

    async def test_status_update_after_reassignment_is_refused(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        as_read = await self.reassigned_meanwhile(client, db, actors)
        with pytest.raises(Conflict):
            await service.update_status(
                db=db,
                permit=policy.permit(caller(actors.agent), as_read, policy.Action.WORK),  # type: ignore[arg-type]
                data=TicketStatusUpdate(status="Resolved"),  # type: ignore[arg-type]
            )
        stored = await db.tickets.find_one({"_id": as_read["_id"]})
        assert stored is not None and stored["status"] == "In Progress"

    async def test_note_after_reassignment_is_refused(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        as_read = await self.reassigned_meanwhile(client, db, actors)
        with pytest.raises(Conflict):
            await activity.add_internal_note(
                db=db,
                permit=policy.permit(caller(actors.agent), as_read, policy.Action.WORK),  # type: ignore[arg-type]
                data=NoteIn(note="written after losing the ticket"),
            )
        assert await db.ticket_notes.count_documents({"ticket_id": as_read["_id"]}) == 0

    async def test_assign_self_never_answers_with_another_agents_id(
        self,
        client: httpx.AsyncClient,
        db: Database,
        actors: Actors,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """An admin reassigns right after the agent's write lands: the agent's answer shows
        the assignment it made, not a later state read back."""
        real_transaction = events.in_transaction

        async def then_reassigned(db: Database, work: Any) -> Any:
            result = await real_transaction(db, work)  # the agent's write has committed
            await db.tickets.update_one(
                {"_id": ObjectId(ticket["id"])},
                {"$set": {"agent_id": ObjectId(actors.other_agent.id)}},
            )
            return result

        ticket = await create_ticket(client, actors.customer)
        monkeypatch.setattr(events, "in_transaction", then_reassigned)
        response = await client.post(
            f"/api/support/tickets/{ticket['id']}/assign-self/", headers=actors.agent.headers
        )
        assert response.status_code == 200
        assert response.json()["ticket"]["agent_id"] == actors.agent.id

    async def test_http_race_between_agent_writes_and_a_reassignment(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        """Notes and status updates by the agent, fired with the reassignment: every one the
        app accepted was accepted while the ticket was still theirs."""
        for _ in range(5):
            ticket = await create_ticket(client, actors.customer)
            await assign(client, ticket["id"], actors.agent)
            base = f"/api/support/tickets/{ticket['id']}"
            writes = [
                client.post(
                    f"{base}/add-note/", json={"note": f"n{i}"}, headers=actors.agent.headers
                )
                for i in range(6)
            ] + [
                client.put(
                    f"{base}/update-status/",
                    json={"status": "In Progress", "priority": p},
                    headers=actors.agent.headers,
                )
                for p in ("High", "Low")
            ]
            reassign = client.post(
                f"{base}/reassign/",
                json={"agent_id": actors.other_agent.id},
                headers=actors.admin.headers,
            )
            answers = await asyncio.wait_for(asyncio.gather(reassign, *writes), timeout=30)
            assert answers[0].status_code == 200
            assert {a.status_code for a in answers[1:]} <= {200, 201, 403, 409}
            stored = await db.tickets.find_one({"_id": ObjectId(ticket["id"])})
            assert stored is not None and stored["agent_id"] == ObjectId(actors.other_agent.id)
            accepted_notes = sum(1 for a in answers[1:7] if a.status_code == 201)
            assert stored["note_count"] == accepted_notes
            assert await db.ticket_notes.count_documents({"ticket_id": stored["_id"]}) == (
                accepted_notes
            )


class TestInternalNotesBound:
    async def test_detail_keeps_the_newest_notes(
        self,
        client: httpx.AsyncClient,
        actors: Actors,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(service, "NOTES_SHOWN", 3)
        assert ticket_schemas.NOTES_SHOWN == 500  # the documented bound
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        for n in range(5):
            response = await client.post(
                f"/api/support/tickets/{ticket['id']}/add-note/",
                json={"note": f"note {n}"},
                headers=actors.agent.headers,
            )
            assert response.status_code == 201
        detail = await client.get(
            f"/api/support/tickets/{ticket['id']}/", headers=actors.agent.headers
        )
        assert [n["note"] for n in detail.json()["internal_notes"]] == [
            "note 2",
            "note 3",
            "note 4",
        ]
