"""Authentication: login, access tokens, refresh chains, logout, me, login throttling."""

import asyncio
import base64
import json
from datetime import timedelta
from unittest.mock import ANY

import httpx
import jwt
import psutil
import pytest
from bson import ObjectId
from passlib.context import CryptContext

from app.core.config import Settings
from app.core.db import Database
from app.core.security import ARGON2_MEMORY_KIB, ARGON2_TIME_COST, encode_token
from tests.conftest import TEST_JWT_SECRET, AppFactory, Clock
from tests.factories import PASSWORD, Actor, access_token, login, make_user

REGISTER = "/api/auth/register/"
LOGIN = "/api/auth/login/"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refresh_token_of(actor: Actor, *, session: ObjectId) -> str:
    return encode_token(
        TEST_JWT_SECRET,
        user_id=actor.id,
        role="user",
        token_type="refresh",
        ttl=timedelta(days=1),
        session=str(session),
    ).token


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
        assert response.json() == {"error": "Invalid credentials", "code": ANY}
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_unknown_email_same_answer_same_work(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from app.core.security import password_context

        verified: list[str] = []
        real_verify = password_context.verify
        real_update = password_context.verify_and_update

        def spy_verify(secret: str, hashed: str) -> bool:
            verified.append("verify")
            return bool(real_verify(secret, hashed))

        def spy_update(secret: str, hashed: str) -> tuple[bool, str | None]:
            verified.append("verify")
            return real_update(secret, hashed)  # type: ignore[no-any-return]

        monkeypatch.setattr(password_context, "verify", spy_verify)
        monkeypatch.setattr(password_context, "verify_and_update", spy_update)
        response = await login(client, "nobody@example.com", "whatever-password")
        assert response.status_code == 401
        assert response.json() == {"error": "Invalid credentials", "code": ANY}
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
        assert queue.json() == {
            "error": "Your agent account is awaiting admin approval",
            "code": ANY,
        }

    async def test_deactivated_cannot_log_in(self, client: httpx.AsyncClient, db: Database) -> None:
        user = await make_user(db, active=False)
        response = await login(client, user["email"])
        assert response.status_code == 403
        assert response.json() == {"error": "This account has been deactivated", "code": ANY}

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
        assert stored is not None
        # Re-hashed with the service's own parameters, whatever the library's defaults are.
        assert f"m={ARGON2_MEMORY_KIB},t={ARGON2_TIME_COST}" in stored["password_hash"]
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
        assert response.json() == {"error": "Token has expired", "code": ANY}
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
            session=str(ObjectId()),
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
        assert reuse.json() == {"error": "Refresh token has been revoked", "code": ANY}
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

    async def test_logout_ends_that_logins_access_tokens_only(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        laptop = (await login(client, customer.email)).json()
        phone = (await login(client, customer.email)).json()
        await client.post("/api/auth/logout/", json={"refresh_token": laptop["refresh_token"]})
        ended = await client.get("/api/auth/me/", headers=bearer(laptop["access_token"]))
        assert ended.status_code == 401
        assert ended.json() == {"error": "This login has ended; sign in again", "code": ANY}
        still = await client.get("/api/auth/me/", headers=bearer(phone["access_token"]))
        assert still.status_code == 200

    async def test_a_logout_stays_a_logout_whatever_other_logins_do(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        """Issue 20, item 6: ending 51 other logins afterwards must not bring an ended one
        back. (The other logins' refresh tokens are minted: 51 sign-ins would cost 51 argon2
        hashes, and logout treats them alike.)"""
        first = (await login(client, customer.email)).json()
        await client.post("/api/auth/logout/", json={"refresh_token": first["refresh_token"]})
        for _ in range(51):
            other = refresh_token_of(customer, session=ObjectId())
            response = await client.post("/api/auth/logout/", json={"refresh_token": other})
            assert response.status_code == 200
        me = await client.get("/api/auth/me/", headers=bearer(first["access_token"]))
        assert me.status_code == 401
        assert me.json() == {"error": "This login has ended; sign in again", "code": ANY}
        again = await client.post(
            "/api/auth/refresh/", json={"refresh_token": first["refresh_token"]}
        )
        assert again.status_code == 401

    async def test_logout_of_an_ended_login_changes_nothing(
        self, client: httpx.AsyncClient, db: Database, customer: Actor
    ) -> None:
        refresh = (await login(client, customer.email)).json()["refresh_token"]
        await client.post("/api/auth/logout/", json={"refresh_token": refresh})
        user_id = ObjectId(customer.id)
        before = (await db.users.find_one({"_id": user_id}), await db.sessions.find({}).to_list())
        response = await client.post("/api/auth/logout/", json={"refresh_token": refresh})
        assert response.status_code == 200
        assert response.json() == {"message": "Logged out successfully"}
        after = (await db.users.find_one({"_id": user_id}), await db.sessions.find({}).to_list())
        assert after == before

    async def test_no_token_of_a_reused_login_survives_simultaneous_refreshes(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        """Eight simultaneous refreshes with one token: one spends it, seven are reuse. Every
        token any of them got, and the login's first access token, must be dead after it,
        whatever the interleaving; repeated to meet several interleavings."""
        for _ in range(15):
            first = (await login(client, customer.email)).json()
            answers = await asyncio.wait_for(
                asyncio.gather(
                    *(
                        client.post(
                            "/api/auth/refresh/", json={"refresh_token": first["refresh_token"]}
                        )
                        for _ in range(8)
                    )
                ),
                timeout=30,
            )
            codes = [a.status_code for a in answers]
            # One spends it; if the reuse ends the login first, even that one is refused.
            assert set(codes) <= {200, 401} and codes.count(401) >= 7
            issued = [a.json() for a in answers if a.status_code == 200]
            for pair in [first, *issued]:
                me = await client.get("/api/auth/me/", headers=bearer(pair["access_token"]))
                assert me.status_code == 401
                again = await client.post(
                    "/api/auth/refresh/", json={"refresh_token": pair["refresh_token"]}
                )
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
        assert response.json() == {
            "error": "Too many failed login attempts. Try again later.",
            "code": ANY,
        }
        assert 0 < int(response.headers["retry-after"]) <= 15 * 60
        # Another account from the same address is not locked out.
        assert (await login(client, "someone-else@example.com", "x")).status_code == 401

    async def test_refused_attempts_count_too(self, app_with: AppFactory, clock: Clock) -> None:
        """A caller who keeps trying while refused stays refused: the window slides with
        every attempt, let in or not."""
        application, client = await app_with(login_max_failures=1)
        email = (await make_user(application.state.db))["email"]
        codes = [(await login(client, email, "wrong-password")).status_code]
        for minutes in (10, 6, 16):  # 10 and 16 after the first, then 16 after the last
            clock.advance(minutes=minutes)
            codes.append((await login(client, email, "wrong-password")).status_code)
        assert codes == [401, 429, 429, 401]

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


class TestThrottlesUnderConcurrency:
    """Simultaneous requests through the app: no burst passes more than the limit."""

    async def test_thirty_simultaneous_wrong_passwords_get_five_guesses(
        self, app_with: AppFactory
    ) -> None:
        # The per-address limit out of the way: the (address, email) throttle alone.
        application, client = await app_with(login_address_max_failures=1000)
        email = (await make_user(application.state.db))["email"]
        answers = await asyncio.wait_for(
            asyncio.gather(*(login(client, email, "wrong-password") for _ in range(30))),
            timeout=60,
        )
        codes = [a.status_code for a in answers]
        assert codes.count(401) == 5 and codes.count(429) == 25, codes
        assert all(int(a.headers["retry-after"]) > 0 for a in answers if a.status_code == 429)

    async def test_with_every_throttle_on_no_burst_passes_more_than_the_tightest(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        answers = await asyncio.wait_for(
            asyncio.gather(*(login(client, customer.email, "wrong-password") for _ in range(30))),
            timeout=60,
        )
        codes = [a.status_code for a in answers]
        assert 1 <= codes.count(401) <= 5 and codes.count(401) + codes.count(429) == 30, codes

    async def test_one_address_across_many_accounts(self, app_with: AppFactory) -> None:
        application, client = await app_with(login_address_max_failures=6)
        emails = [(await make_user(application.state.db))["email"] for _ in range(10)]
        answers = [await login(client, email, "wrong-password") for email in emails]
        assert [a.status_code for a in answers] == [401] * 6 + [429] * 4

    async def test_one_account_across_many_addresses(self, app_with: AppFactory) -> None:
        application, client = await app_with(
            trusted_proxies="127.0.0.1", login_account_max_failures=4
        )
        email = (await make_user(application.state.db))["email"]
        codes = []
        for n in range(6):
            response = await client.post(
                LOGIN,
                json={"email": email, "password": "wrong-password"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
            codes.append(response.status_code)
        assert codes == [401] * 4 + [429] * 2

    async def test_ipv6_clients_share_their_64(self, app_with: AppFactory) -> None:
        application, client = await app_with(trusted_proxies="127.0.0.1", login_max_failures=2)
        email = (await make_user(application.state.db))["email"]
        codes = []
        for host in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2::abcd"):
            response = await client.post(
                LOGIN,
                json={"email": email, "password": "wrong-password"},
                headers={"X-Forwarded-For": host},
            )
            codes.append(response.status_code)
        assert codes == [401, 401, 429]
        other_net = await client.post(
            LOGIN,
            json={"email": email, "password": "wrong-password"},
            headers={"X-Forwarded-For": "2001:db8:1:3::1"},
        )
        assert other_net.status_code == 401


class TestBoundedHashing:
    async def test_forty_simultaneous_logins_keep_memory_bounded_and_health_answering(
        self, app_with: AppFactory
    ) -> None:
        """40 logins with different emails: at most `password_hash_concurrency` argon2 hashes
        (64 MiB each) run at once; the rest wait for a slot or get 503 at once. Health answers
        while they are in flight."""
        _, client = await app_with(
            password_hash_concurrency=2,
            password_hash_wait_seconds=1.5,
            login_address_max_failures=100,
        )
        process = psutil.Process()
        baseline = process.memory_info().rss
        peak = baseline
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, process.memory_info().rss)
                await asyncio.sleep(0.005)

        sampler = asyncio.create_task(sample())
        logins = asyncio.gather(
            *(login(client, f"nobody{n}@example.com", "wrong-password") for n in range(40))
        )
        health = []
        while not logins.done():
            health.append((await client.get("/api/health/")).status_code)
            await asyncio.sleep(0.01)
        answers = await asyncio.wait_for(logins, timeout=60)
        done.set()
        await sampler
        codes = [a.status_code for a in answers]
        assert set(codes) <= {401, 503} and codes.count(503) > 0, codes
        busy = next(a for a in answers if a.status_code == 503)
        assert busy.headers["retry-after"] == "1"
        assert busy.json() == {
            "error": "Too many sign-ins at once; try again in a moment",
            "code": ANY,
        }
        assert health and set(health) == {200}
        assert peak - baseline < 300 * 1024 * 1024, (peak - baseline) / 2**20
