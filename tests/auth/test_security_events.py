"""Structured security events on the `app.security` logger, and the caller and client address
on the access log line."""

import logging

import httpx
import pytest

from app.core.config import Settings
from app.core.db import Database
from tests.conftest import AppFactory
from tests.factories import Actors, login, make_user, store_ticket


def events(caplog: pytest.LogCaptureFixture) -> dict[str, logging.LogRecord]:
    return {
        r.event: r  # type: ignore[attr-defined]
        for r in caplog.records
        if r.name == "app.security"
    }


async def test_throttle_trip_names_its_key(
    app_with: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    application, client = await app_with(login_max_failures=1)
    user = await make_user(application.state.db)
    with caplog.at_level(logging.INFO, logger="app.security"):
        await login(client, user["email"], "wrong-password")
        await login(client, user["email"], "wrong-password")
    tripped = events(caplog)["throttle_tripped"]
    assert tripped.throttle == "login_pair"  # type: ignore[attr-defined]
    assert tripped.key.endswith(user["email"])  # type: ignore[attr-defined]
    assert tripped.client == "127.0.0.1"  # type: ignore[attr-defined]


async def test_refresh_reuse_and_deactivated_login(
    client: httpx.AsyncClient, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    user = await make_user(db)
    pair = (await login(client, user["email"])).json()
    gone = await make_user(db, active=False)
    with caplog.at_level(logging.INFO, logger="app.security"):
        await client.post("/api/auth/refresh/", json={"refresh_token": pair["refresh_token"]})
        await client.post("/api/auth/refresh/", json={"refresh_token": pair["refresh_token"]})
        await login(client, gone["email"])
    found = events(caplog)
    assert found["refresh_token_reuse"].target_id == str(user["_id"])  # type: ignore[attr-defined]
    assert found["login_deactivated"].target_id == str(gone["_id"])  # type: ignore[attr-defined]


async def test_admin_actions_carry_actor_and_client(
    client: httpx.AsyncClient,
    db: Database,
    actors: Actors,
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin = actors.admin
    ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
    with caplog.at_level(logging.INFO, logger="app.security"):
        await client.post(
            f"/api/admin/approve-agent/{actors.pending_agent.id}/", headers=admin.headers
        )
        await client.post(
            f"/api/support/tickets/{ticket['_id']}/reassign/",
            json={"agent_id": actors.other_agent.id},
            headers=admin.headers,
        )
        await client.post(
            f"/api/admin/users/{actors.customer.id}/deactivate/", headers=admin.headers
        )
        await client.post(f"/api/admin/users/{actors.customer.id}/activate/", headers=admin.headers)
    found = events(caplog)
    for event in ("agent_approved", "ticket_reassigned", "user_deactivated", "user_activated"):
        record = found[event]
        assert record.actor_id == admin.id, event  # type: ignore[attr-defined]
        assert record.user_id == admin.id, event  # type: ignore[attr-defined]
        assert record.client == "127.0.0.1", event  # type: ignore[attr-defined]
    assert found["agent_approved"].target_id == actors.pending_agent.id  # type: ignore[attr-defined]


async def test_access_log_names_the_caller_and_address(
    app_with: AppFactory, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    application, client = await app_with(trusted_proxies="127.0.0.1")
    user = await make_user(application.state.db)
    token = (await login(client, user["email"])).json()["access_token"]
    with caplog.at_level(logging.INFO, logger="app.request"):
        await client.get(
            "/api/auth/me/",
            headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "198.51.100.9"},
        )
        await client.get("/api/health/")
    me, health = [r for r in caplog.records if r.name == "app.request"][-2:]
    assert me.user_id == str(user["_id"]) and me.client == "198.51.100.9"  # type: ignore[attr-defined]
    assert not hasattr(health, "user_id") and health.client == "127.0.0.1"  # type: ignore[attr-defined]
