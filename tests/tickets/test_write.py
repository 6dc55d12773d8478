"""The one ticket write path (app/tickets/write.py): what a write answers with and what its
events are recorded with is the ticket as the change left it, its stored version included."""

from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from bson import ObjectId

from app.core.db import Database
from app.events import record as events
from app.tickets import policy, service
from app.tickets.documents import etag
from app.tickets.schemas import TicketStatusUpdate
from tests.factories import Actors, assign, create_ticket, set_status
from tests.tickets.test_policy import caller


async def stored(db: Database, ticket_id: object) -> dict[str, Any]:
    ticket = await db.tickets.find_one({"_id": ObjectId(str(ticket_id))})
    assert ticket is not None
    return ticket


class TestTheTicketAWriteAnswersWith:
    async def test_counts_a_concurrent_write_its_guard_let_pass(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        """A note written between the read and the status update bumps the version too: the
        update's answer (and its ETag) is the version stored, not the one read plus one."""
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        as_read = await service.get_ticket(db=db, ticket_id=ticket["id"])
        note = await client.post(
            f"/api/support/tickets/{ticket['id']}/add-note/",
            json={"note": "written meanwhile"},
            headers=actors.admin.headers,
        )
        assert note.status_code == 201, note.text
        after = await service.update_status(
            db=db,
            permit=policy.permit(caller(actors.agent), as_read, policy.Action.WORK),
            data=TicketStatusUpdate(status="On Hold"),  # type: ignore[arg-type]
        )
        now = await stored(db, ticket["id"])
        assert now["version"] == as_read["version"] + 2
        for internal in (True, False):
            assert etag(after, internal=internal) == etag(now, internal=internal)


class TestEventsAreRecordedWithTheTicketAfterTheChange:
    @pytest.fixture
    def recorded_with(self, monkeypatch: pytest.MonkeyPatch) -> list[Mapping[str, Any]]:
        """The ticket each event is recorded with (the real record() still records it)."""
        tickets: list[Mapping[str, Any]] = []
        record = events.record

        async def recording(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("ticket") is not None:
                tickets.append(kwargs["ticket"])
            return await record(*args, **kwargs)

        monkeypatch.setattr(events, "record", recording)
        return tickets

    async def test_every_write_of_a_ticket(
        self,
        client: httpx.AsyncClient,
        db: Database,
        actors: Actors,
        recorded_with: list[Mapping[str, Any]],
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        url = f"/api/support/tickets/{ticket['id']}"
        writes = [
            lambda: assign(client, ticket["id"], actors.agent),
            lambda: client.post(
                f"{url}/add-note/", json={"note": "n"}, headers=actors.agent.headers
            ),
            lambda: client.post(
                f"{url}/replies/", json={"body": "On its way"}, headers=actors.agent.headers
            ),
            lambda: client.post(
                f"{url}/attachments/",
                files={"file": ("note.txt", b"tracking 123", "text/plain")},
                headers=actors.customer.headers,
            ),
            lambda: set_status(client, ticket["id"], actors.agent, "Resolved"),
        ]
        for write in writes:
            recorded_with.clear()
            response = await write()
            assert response is None or response.is_success, response.text
            now = await stored(db, ticket["id"])
            assert recorded_with
            for seen in recorded_with:
                assert seen["version"] == now["version"], (response, dict(seen))
                assert seen["public_version"] == now["public_version"], response
                assert seen["attachment_count"] == now["attachment_count"]
