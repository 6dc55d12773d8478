"""Accounts: customer and agent sign-up, its throttle, the bootstrap admin, create-admin."""

import asyncio
import logging
import re

import httpx
import pytest

from app.core.db import Database
from tests.conftest import TEST_JWT_SECRET, AppFactory
from tests.factories import Actor, login, signup

REGISTER = "/api/auth/register/"
LOGIN = "/api/auth/login/"


class TestRegister:
    async def test_ok(self, client: httpx.AsyncClient, db: Database) -> None:
        response = await client.post(REGISTER, json=signup(contact_number="+91 98765 43210"))
        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Registration successful"
        assert set(body["user"]) == {"id", "email", "name", "role"}
        assert body["user"]["email"] == "ann@example.com"
        assert body["user"]["role"] == "user"
        stored = await db.users.find_one({"email": "ann@example.com"})
        assert stored is not None
        assert stored["password_hash"].startswith("$argon2id$")
        assert "password" not in response.text

    async def test_email_taken_in_another_case(self, client: httpx.AsyncClient) -> None:
        assert (await client.post(REGISTER, json=signup("ann@example.com"))).status_code == 201
        response = await client.post(REGISTER, json=signup("ANN@EXAMPLE.COM"))
        assert response.status_code == 400
        assert response.json() == {"email": ["A user with this email already exists."]}

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"email": "not-an-email"}, "email"),
            ({"password": "short"}, "password"),
            ({"password": "x" * 129}, "password"),
            ({"name": ""}, "name"),
            ({"name": "x" * 101}, "name"),
            ({"contact_number": "call me"}, "contact_number"),
        ],
    )
    async def test_invalid_fields(
        self, client: httpx.AsyncClient, change: dict[str, object], field: str
    ) -> None:
        response = await client.post(REGISTER, json={**signup(), **change})
        assert response.status_code == 400
        assert list(response.json()) == [field]

    async def test_concurrent_same_email_in_different_cases_makes_one_account(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        emails = ["race@example.com", "RACE@example.com", "Race@Example.com", "race@EXAMPLE.com"]
        responses = await asyncio.gather(*(client.post(REGISTER, json=signup(e)) for e in emails))
        assert sorted(r.status_code for r in responses) == [201, 400, 400, 400]
        assert await db.users.count_documents({"email": "race@example.com"}) == 1


class TestRegisterAgent:
    async def test_ok_waits_for_approval(self, client: httpx.AsyncClient, db: Database) -> None:
        response = await client.post(
            "/api/support/register-agent/",
            json={
                "email": "agent@example.com",
                "password": "securepass123",
                "name": "John Agent",
                "contact_number": "+91 98765 43210",
            },
        )
        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Registration successful. Waiting for admin approval."
        assert body["user"]["role"] == "support_agent"
        stored = await db.users.find_one({"email": "agent@example.com"})
        assert stored is not None and stored["is_approved"] is False

    async def test_already_exists(self, client: httpx.AsyncClient, customer: Actor) -> None:
        response = await client.post(
            "/api/support/register-agent/", json=signup(customer.email.upper())
        )
        assert response.status_code == 400
        assert list(response.json()) == ["email"]


class TestRegistrationThrottling:
    async def test_limit_per_address(self, app_with: AppFactory) -> None:
        _, limited = await app_with(registrations_per_hour=3)
        for n in range(3):
            assert (
                await limited.post(REGISTER, json=signup(f"u{n}@example.com"))
            ).status_code == 201
        response = await limited.post(REGISTER, json=signup("u9@example.com"))
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0


class TestBootstrapAdmin:
    async def test_development_creates_one_admin_and_prints_its_password(
        self, app_with: AppFactory, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="app.accounts"):
            dev_app, dev_client = await app_with(app_env="development", jwt_secret=None)
        [line] = [r.getMessage() for r in caplog.records if "development admin" in r.getMessage()]
        password = re.search(r"with password (\S+)", line).group(1)  # type: ignore[union-attr]
        response = await login(dev_client, "admin@localhost", password)
        assert response.status_code == 200 and response.json()["user"]["role"] == "admin"

        from app.main import prepare_database

        caplog.clear()
        await prepare_database(
            dev_app.state.db, dev_app.state.settings, dev_app.state.hasher
        )  # a restart
        assert await dev_app.state.db.users.count_documents({"role": "admin"}) == 1
        assert not [r for r in caplog.records if "development admin" in r.getMessage()]

    async def test_production_creates_no_default_admin(self, db: Database) -> None:
        assert await db.users.count_documents({"role": "admin"}) == 0

    async def test_configured_admin_made_sure_of_and_left_alone(self, app_with: AppFactory) -> None:
        admin_app, admin_client = await app_with(
            admin_email="Boss@Example.com", admin_password="boss-password-1"
        )
        assert (await login(admin_client, "boss@example.com", "boss-password-1")).status_code == 200

        from app.main import prepare_database

        settings = admin_app.state.settings.model_copy(
            update={"admin_password": "changed-password-2"}
        )
        await prepare_database(admin_app.state.db, settings, admin_app.state.hasher)
        assert (await login(admin_client, "boss@example.com", "boss-password-1")).status_code == 200
        assert await admin_app.state.db.users.count_documents({"role": "admin"}) == 1


def test_create_admin_command(
    mongodb_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    import uuid

    from pymongo import MongoClient

    from app.cli import main

    name = f"test_cli_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("MONGODB_URL", mongodb_url)
    monkeypatch.setenv("MONGODB_DB", name)
    monkeypatch.setenv("JWT_SECRET", TEST_JWT_SECRET)
    assert main(["create-admin", "Root@Example.com", "--password", "root-password-1"]) == 0
    assert main(["create-admin", "root@example.com", "--password", "root-password-1"]) == 1
    with MongoClient(mongodb_url) as sync_client:
        users = list(sync_client[name].users.find({}, {"email": 1, "role": 1, "_id": 0}))
        sync_client.drop_database(name)
    assert users == [{"email": "root@example.com", "role": "admin"}]
