"""Issue 5: the database goes away in the middle of a run and comes back."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from unittest.mock import ANY

import httpx
import pytest
from fastapi import FastAPI

from app.core.embedded_db import EmbeddedDatabase
from tests.conftest import http_client, make_settings, running_app
from tests.factories import Actor, create_ticket, make_actor, resolved_ticket


@pytest.fixture
async def own_database(tmp_path: Path) -> AsyncIterator[EmbeddedDatabase]:
    """A database server of this test's own, so stopping it leaves the others alone."""
    server = EmbeddedDatabase(tmp_path / "outage-db")
    server.start()
    yield server
    server.stop()


async def within(
    seconds: float, request: "asyncio.Future[httpx.Response] | object"
) -> httpx.Response:
    # No hang: an unreachable database must be answered, not waited on.
    return await asyncio.wait_for(request, timeout=seconds)  # type: ignore[arg-type]


async def test_outage_gives_503_then_recovers_without_restart_and_loses_nothing(
    own_database: EmbeddedDatabase, tmp_path: Path
) -> None:
    if own_database.process is None:  # pragma: no cover
        pytest.fail("database not started")
    settings = make_settings(own_database.url, tmp_path, mongodb_timeout_ms=1000)
    async with running_app(settings) as app, http_client(app) as client:
        customer, agent, admin = await actors(app)
        ticket_id = await resolved_ticket(client, customer, agent)
        note = await client.post(
            f"/api/support/tickets/{ticket_id}/add-note/",
            json={"note": "kept"},
            headers=agent.headers,
        )
        feedback = await client.post(
            f"/api/support/tickets/{ticket_id}/feedback/",
            json={"rating": 4},
            headers=customer.headers,
        )
        assert note.status_code == 201 and feedback.status_code == 201
        other = await create_ticket(client, customer, subject="written before the outage")

        own_database.stop()  # the database process is gone

        for request in (
            client.get("/api/support/tickets/", headers=customer.headers),
            client.post(
                "/api/support/tickets/create/",
                json={"subject": "s", "description": "d", "category": "Late"},
                headers=customer.headers,
            ),
            client.get(f"/api/support/tickets/{ticket_id}/", headers=admin.headers),
            client.get("/api/ready/"),
        ):
            response = await within(5, request)
            assert response.status_code == 503
            assert response.json() == {"error": "Service temporarily unavailable", "code": ANY}
            assert response.headers["retry-after"]
        assert (await within(5, client.get("/api/health/"))).status_code == 200

        restarted = EmbeddedDatabase(own_database.storage_path, port=own_database.port)
        restarted.start()
        own_database.process = restarted.process  # the fixture stops it
        await wait_until_ready(client)

        detail = await client.get(f"/api/support/tickets/{ticket_id}/", headers=admin.headers)
        assert detail.status_code == 200
        assert [n["note"] for n in detail.json()["internal_notes"]] == ["kept"]
        assert await app.state.db.feedback.count_documents({}) == 1
        mine = (await client.get("/api/support/tickets/", headers=customer.headers)).json()[
            "tickets"
        ]
        assert {t["id"] for t in mine} == {
            ticket_id,
            other["id"],
        }  # nothing lost, nothing half-written


async def wait_until_ready(client: httpx.AsyncClient, attempts: int = 60) -> None:
    """The same app instance reconnects by itself: poll readiness, bounded."""
    for _ in range(attempts):
        if (await within(5, client.get("/api/ready/"))).status_code == 200:
            return
        await asyncio.sleep(0.25)
    pytest.fail("the service did not recover after the database came back")


async def actors(app: FastAPI) -> tuple[Actor, Actor, Actor]:
    db, settings = app.state.db, app.state.settings
    return (
        await make_actor(db, settings, role="user"),
        await make_actor(db, settings, role="support_agent"),
        await make_actor(db, settings, role="admin"),
    )
