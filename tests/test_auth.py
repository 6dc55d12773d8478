"""Issue 3: registration, login, tokens, refresh chains, logout, me, throttling."""

import asyncio
import base64
import json
import logging
import re
from datetime import timedelta

import httpx
import jwt
import pytest
from passlib.context import CryptContext

from app.config import Settings
from app.db import Database
from app.security import encode_token
from tests.conftest import TEST_JWT_SECRET, AppFactory
from tests.helpers import PASSWORD, Actor, access_token, make_user

REGISTER = "/api/auth/register/"
LOGIN = "/api/auth/login/"


def signup(email: str = "Ann@Example.com", **extra: object) -> dict[str, object]:
    return {"email": email, "password": "password123", "name": "Ann", **extra}


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(LOGIN, json={"email": email, "password": password})


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


class TestLogin:
    async def test_ok(self, client: httpx.AsyncClient, customer: Actor) -> None:
        response = await login(client, customer.email.upper())
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 30 * 60
        assert body["user"] == {
            "id": customer.id,
            "email": customer.email,
            "name": customer.name,
            "role": "user",
            "is_approved": True,
        }
        claims = jwt.decode(body["access_token"], TEST_JWT_SECRET, algorithms=["HS256"])
        assert {"sub", "role", "type", "iat", "exp", "jti", "iss"} <= set(claims)
        assert claims["type"] == "access" and claims["sub"] == customer.id
        me = await client.get(
            "/api/auth/me/", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert me.status_code == 200

    async def test_wrong_password(self, client: httpx.AsyncClient, customer: Actor) -> None:
        response = await login(client, customer.email, "wrong-password")
        assert response.status_code == 401
        assert response.json() == {"error": "Invalid credentials"}
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_unknown_email_same_answer_same_work(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from app import security

        verified: list[str] = []
        real_verify = security._passwords.verify
        real_update = security._passwords.verify_and_update

        def spy_verify(secret: str, hashed: str) -> bool:
            verified.append("verify")
            return bool(real_verify(secret, hashed))

        def spy_update(secret: str, hashed: str) -> tuple[bool, str | None]:
            verified.append("verify")
            return real_update(secret, hashed)  # type: ignore[no-any-return]

        monkeypatch.setattr(security._passwords, "verify", spy_verify)
        monkeypatch.setattr(security._passwords, "verify_and_update", spy_update)
        response = await login(client, "nobody@example.com", "whatever-password")
        assert response.status_code == 401
        assert response.json() == {"error": "Invalid credentials"}
        assert verified == ["verify"]  # an argon2 verification ran for the unknown email too

    async def test_unapproved_agent_logs_in_but_agent_features_refuse(
        self, client: httpx.AsyncClient, actors: object
    ) -> None:
        pending = actors.pending_agent  # type: ignore[attr-defined]
        response = await login(client, pending.email)
        assert response.status_code == 200
        assert response.json()["user"]["is_approved"] is False
        token = response.json()["access_token"]
        queue = await client.get(
            "/api/agent/tickets/", headers={"Authorization": f"Bearer {token}"}
        )
        assert queue.status_code == 403
        assert queue.json() == {"error": "Your agent account is awaiting admin approval"}

    async def test_deactivated_cannot_log_in(self, client: httpx.AsyncClient, db: Database) -> None:
        user = await make_user(db, active=False)
        response = await login(client, user["email"])
        assert response.status_code == 403
        assert response.json() == {"error": "This account has been deactivated"}

    async def test_old_hash_upgraded_at_login(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        weak = CryptContext(schemes=["argon2"], argon2__memory_cost=1024, argon2__time_cost=1)
        user = await make_user(db)
        await db.users.update_one(
            {"_id": user["_id"]}, {"$set": {"password_hash": weak.hash(PASSWORD)}}
        )
        assert (await login(client, user["email"])).status_code == 200
        stored = await db.users.find_one({"_id": user["_id"]})
        assert stored is not None and "m=65536" in stored["password_hash"]
        assert (await login(client, user["email"])).status_code == 200


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


class TestAccessTokens:
    async def me(self, client: httpx.AsyncClient, token: str) -> httpx.Response:
        return await client.get("/api/auth/me/", headers={"Authorization": f"Bearer {token}"})

    async def test_expired(
        self, client: httpx.AsyncClient, settings: Settings, customer: Actor
    ) -> None:
        token = access_token(settings, customer.id, "user", minutes=-1)
        response = await self.me(client, token)
        assert response.status_code == 401
        assert response.json() == {"error": "Token has expired"}
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_lifetime_follows_the_setting(self, app_with: AppFactory) -> None:
        short_app, short_client = await app_with(access_token_minutes=2)
        user = await make_user(short_app.state.db)
        pair = (await login(short_client, user["email"])).json()
        assert pair["expires_in"] == 120
        claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 120

    async def test_tampered_payload(
        self, client: httpx.AsyncClient, customer: Actor, admin: Actor
    ) -> None:
        header, _, signature = customer.token.split(".")
        claims = jwt.decode(customer.token, options={"verify_signature": False})
        forged = f"{header}.{_b64({**claims, 'sub': admin.id, 'role': 'admin'})}.{signature}"
        assert (await self.me(client, forged)).status_code == 401

    async def test_alg_none(self, client: httpx.AsyncClient, customer: Actor) -> None:
        claims = jwt.decode(customer.token, options={"verify_signature": False})
        unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        assert (await self.me(client, unsigned)).status_code == 401

    async def test_signed_with_another_key(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        token = encode_token(
            "another-key-" * 4,
            user_id=customer.id,
            role="user",
            token_type="access",
            ttl=timedelta(minutes=5),
        ).token
        assert (await self.me(client, token)).status_code == 401

    async def test_refresh_token_refused_as_access(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        pair = (await login(client, customer.email)).json()
        response = await self.me(client, pair["refresh_token"])
        assert response.status_code == 401

    async def test_missing_required_claim(self, client: httpx.AsyncClient, customer: Actor) -> None:
        token = jwt.encode(
            {"sub": customer.id, "type": "access"}, TEST_JWT_SECRET, algorithm="HS256"
        )
        assert (await self.me(client, token)).status_code == 401

    async def test_not_bearer(self, client: httpx.AsyncClient, customer: Actor) -> None:
        response = await client.get(
            "/api/auth/me/", headers={"Authorization": f"Basic {customer.token}"}
        )
        assert response.status_code == 401


class TestRefreshAndLogout:
    async def test_refresh_gives_a_working_pair(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        pair = (await login(client, customer.email)).json()
        response = await client.post(
            "/api/auth/refresh/", json={"refresh_token": pair["refresh_token"]}
        )
        assert response.status_code == 200
        new = response.json()
        assert new["refresh_token"] != pair["refresh_token"]
        me = await client.get(
            "/api/auth/me/", headers={"Authorization": f"Bearer {new['access_token']}"}
        )
        assert me.json()["user"]["id"] == customer.id

    async def test_reuse_revokes_the_whole_chain(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        first = (await login(client, customer.email)).json()["refresh_token"]
        second = (await client.post("/api/auth/refresh/", json={"refresh_token": first})).json()[
            "refresh_token"
        ]
        reuse = await client.post("/api/auth/refresh/", json={"refresh_token": first})
        assert reuse.status_code == 401
        assert reuse.json() == {"error": "Refresh token has been revoked"}
        # The token the reuse revoked was never used, yet it is dead too.
        assert (
            await client.post("/api/auth/refresh/", json={"refresh_token": second})
        ).status_code == 401

    async def test_other_logins_unaffected(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        laptop = (await login(client, customer.email)).json()["refresh_token"]
        phone = (await login(client, customer.email)).json()["refresh_token"]
        await client.post("/api/auth/refresh/", json={"refresh_token": laptop})
        await client.post("/api/auth/refresh/", json={"refresh_token": laptop})
        assert (
            await client.post("/api/auth/refresh/", json={"refresh_token": phone})
        ).status_code == 200

    async def test_access_token_refused_as_refresh(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        response = await client.post("/api/auth/refresh/", json={"refresh_token": customer.token})
        assert response.status_code == 401

    async def test_logout_revokes(self, client: httpx.AsyncClient, customer: Actor) -> None:
        refresh = (await login(client, customer.email)).json()["refresh_token"]
        response = await client.post("/api/auth/logout/", json={"refresh_token": refresh})
        assert response.status_code == 200
        assert response.json() == {"message": "Logged out successfully"}
        again = await client.post("/api/auth/refresh/", json={"refresh_token": refresh})
        assert again.status_code == 401

    async def test_deactivated_user_cannot_refresh(
        self, client: httpx.AsyncClient, db: Database, customer: Actor
    ) -> None:
        refresh = (await login(client, customer.email)).json()["refresh_token"]
        from bson import ObjectId

        await db.users.update_one({"_id": ObjectId(customer.id)}, {"$set": {"is_active": False}})
        response = await client.post("/api/auth/refresh/", json={"refresh_token": refresh})
        assert response.status_code == 401

    async def test_refresh_records_expire_with_a_ttl_index(self, db: Database) -> None:
        info = await db.refresh_tokens.index_information()
        assert info["expires_at_1"]["expireAfterSeconds"] == 0


class TestMe:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/api/auth/me/")).status_code == 401

    async def test_ok_without_secrets(self, client: httpx.AsyncClient, agent: Actor) -> None:
        response = await client.get("/api/auth/me/", headers=agent.headers)
        assert response.status_code == 200
        user = response.json()["user"]
        assert user["id"] == agent.id and user["role"] == "support_agent"
        assert "password" not in response.text and "argon2" not in response.text


class TestLoginThrottling:
    async def test_five_failures_then_429_even_with_the_right_password(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        for _ in range(5):
            assert (await login(client, customer.email, "wrong-password")).status_code == 401
        response = await login(client, customer.email)
        assert response.status_code == 429
        assert response.json() == {"error": "Too many failed login attempts. Try again later."}
        assert 0 < int(response.headers["retry-after"]) <= 15 * 60
        # Another account from the same address is not locked out.
        assert (await login(client, "someone-else@example.com", "x")).status_code == 401

    async def test_success_resets_the_count(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        for _ in range(4):
            await login(client, customer.email, "wrong-password")
        assert (await login(client, customer.email)).status_code == 200
        for _ in range(4):
            assert (await login(client, customer.email, "wrong-password")).status_code == 401
        assert (await login(client, customer.email)).status_code == 200

    async def test_forwarded_for_only_from_trusted_proxies(self, app_with: AppFactory) -> None:
        trusting_app, trusting = await app_with(trusted_proxies="127.0.0.1", login_max_failures=1)
        user = await make_user(trusting_app.state.db)
        bad = {"email": user["email"], "password": "wrong-password"}
        await trusting.post(LOGIN, json=bad, headers={"X-Forwarded-For": "203.0.113.7"})
        from_same = await trusting.post(LOGIN, json=bad, headers={"X-Forwarded-For": "203.0.113.7"})
        from_other = await trusting.post(
            LOGIN, json=bad, headers={"X-Forwarded-For": "198.51.100.1"}
        )
        assert from_same.status_code == 429
        assert from_other.status_code == 401

        other_app, untrusting = await app_with(login_max_failures=1)
        user = await make_user(other_app.state.db)
        bad = {"email": user["email"], "password": "wrong-password"}
        await untrusting.post(LOGIN, json=bad, headers={"X-Forwarded-For": "203.0.113.7"})
        spoofed = await untrusting.post(
            LOGIN, json=bad, headers={"X-Forwarded-For": "198.51.100.1"}
        )
        assert spoofed.status_code == 429  # the header was ignored: same peer, same bucket


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
        await prepare_database(dev_app.state.db, dev_app.state.settings)  # a restart
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
        await prepare_database(admin_app.state.db, settings)
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
