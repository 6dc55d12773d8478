"""Sign-in by e-mail link: the mail read from the test SMTP server, single use under
simultaneous verifies, 15 minutes, no enumeration."""

import asyncio
import re
from typing import Any

import httpx
import pytest
from bson import ObjectId

from app.auth import magic_link
from tests.conftest import AppFactory, Clock
from tests.factories import Actor
from tests.mail.conftest import PUBLIC_URL, Mail, mail, smtp_server

__all__ = ["mail", "smtp_server"]
ASK = "/api/auth/magic-link/"
VERIFY = "/api/auth/magic-link/verify/"
SENT = {"message": "If the address is registered, a sign-in link is on its way"}
LINK = re.compile(re.escape(PUBLIC_URL) + r"/app/#/login\?magic=([A-Za-z0-9_-]+)")


async def ask(mail: Mail, email: str, **headers: str) -> httpx.Response:
    return await mail.client.post(ASK, json={"email": email}, headers=headers)


async def token_for(mail: Mail, user: Actor) -> str:
    """Asks for a link for `user` and reads it from the mail the SMTP server received."""
    response = await ask(mail, user.email.upper())
    assert response.status_code == 202, response.text
    await mail.run()
    for message in reversed(mail.sink.messages()):
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        if user.email in message["To"] and (found := LINK.search(text)):
            return found.group(1)
    raise AssertionError("no sign-in mail")


async def verify(mail: Mail, token: str, **extra: Any) -> httpx.Response:
    return await mail.client.post(VERIFY, json={"token": token, **extra})


class TestAskForALink:
    async def test_the_mail_carries_a_link_to_the_console_and_no_unsubscribe(
        self, mail: Mail
    ) -> None:
        await token_for(mail, mail.actors.customer)
        (message,) = mail.sink.messages()
        assert message["Subject"] == "Your sign-in link"
        assert message["List-Unsubscribe"] is None
        (queued,) = await mail.outbox(kind="sign_in_link")
        assert queued["ticket_id"] is None and queued["event_seq"] < 0

    async def test_the_link_is_stored_only_as_a_hash(self, mail: Mail) -> None:
        token = await token_for(mail, mail.actors.customer)
        (stored,) = await mail.app.state.db.magic_links.find(
            {"user_id": ObjectId(mail.actors.customer.id)}
        ).to_list()
        assert stored["token_hash"] == magic_link.hash_token(token)
        assert token not in str(stored)

    async def test_throttled_like_login(self, mail: Mail) -> None:
        limit = mail.app.state.settings.login_max_failures
        answers = [(await ask(mail, mail.actors.customer.email)).status_code for _ in range(limit)]
        assert answers == [202] * limit
        assert (await ask(mail, mail.actors.customer.email)).status_code == 429


class TestNoEnumeration:
    async def test_the_same_answer_for_known_and_unknown_addresses(self, mail: Mail) -> None:
        known = await ask(mail, mail.actors.customer.email)
        unknown = await ask(mail, "nobody@example.com")
        for response in (known, unknown):
            assert response.status_code == 202
            assert response.json() == SENT
        skip = {"date", "x-request-id", "ratelimit", "ratelimit-policy"}
        headers = [{k: v for k, v in r.headers.items() if k not in skip} for r in (known, unknown)]
        assert headers[0] == headers[1]

    async def test_the_same_work_before_the_answer(
        self, mail: Mail, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Both paths hash a token and write a link document; only the known one is mailed."""
        hashed: list[str] = []
        real = magic_link.hash_token
        monkeypatch.setattr(magic_link, "hash_token", lambda t: hashed.append(t) or real(t))
        db = mail.app.state.db
        await ask(mail, mail.actors.customer.email)
        await ask(mail, "nobody@example.com")
        assert len(hashed) == 2
        assert await db.magic_links.count_documents({}) == 2
        (unknown,) = await db.magic_links.find({"user_id": None}).to_list()
        assert unknown["used_at"] is not None  # can never be used
        await mail.run()
        assert [rcpt for rcpt, _ in mail.sink.received] == [[mail.actors.customer.email]]


class TestVerify:
    async def test_the_answer_of_a_login(self, mail: Mail) -> None:
        token = await token_for(mail, mail.actors.customer)
        response = await verify(mail, token)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["user"]["email"] == mail.actors.customer.email
        assert body["refresh_token"] and body["token_type"] == "bearer"
        me = await mail.client.get(
            "/api/auth/me/", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert me.status_code == 200

    async def test_a_cookie_session_when_asked(self, mail: Mail) -> None:
        token = await token_for(mail, mail.actors.customer)
        response = await mail.client.post(
            VERIFY, json={"token": token, "session": "cookie"}, headers={"Origin": "http://test"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["refresh_token"] is None
        assert "refresh_token=" in response.headers["set-cookie"]

    async def test_a_second_use_is_401(self, mail: Mail) -> None:
        token = await token_for(mail, mail.actors.customer)
        assert (await verify(mail, token)).status_code == 200
        again = await verify(mail, token)
        assert again.status_code == 401

    async def test_simultaneous_uses_make_exactly_one_session(self, mail: Mail) -> None:
        token = await token_for(mail, mail.actors.customer)
        answers = await asyncio.gather(*(verify(mail, token) for _ in range(8)))
        assert sorted(a.status_code for a in answers) == [200] + [401] * 7
        sessions = await mail.app.state.db.sessions.count_documents(
            {"user_id": ObjectId(mail.actors.customer.id)}
        )
        assert sessions == 1

    async def test_expires_after_15_minutes(self, mail: Mail, clock: Clock) -> None:
        token = await token_for(mail, mail.actors.customer)
        clock.advance(minutes=15)
        assert (await verify(mail, token)).status_code == 401

    async def test_works_until_then(self, mail: Mail, clock: Clock) -> None:
        token = await token_for(mail, mail.actors.customer)
        clock.advance(minutes=14, seconds=59)
        assert (await verify(mail, token)).status_code == 200

    async def test_an_unknown_token_is_401(self, mail: Mail) -> None:
        assert (await verify(mail, "x" * 43)).status_code == 401

    async def test_an_agent_awaiting_approval_gets_no_session(self, mail: Mail) -> None:
        token = await token_for(mail, mail.actors.pending_agent)
        response = await verify(mail, token)
        assert response.status_code == 403
        assert "refresh_token" not in response.text

    async def test_a_user_deactivated_since_gets_no_session(self, mail: Mail) -> None:
        token = await token_for(mail, mail.actors.customer)
        await mail.app.state.db.users.update_one(
            {"_id": ObjectId(mail.actors.customer.id)}, {"$set": {"is_active": False}}
        )
        response = await verify(mail, token)
        assert response.status_code == 403
        assert response.json()["error"] == "This account has been deactivated"

    async def test_a_deactivated_user_is_mailed_nothing(self, mail: Mail) -> None:
        assert (await ask(mail, mail.actors.deactivated.email)).json() == SENT
        await mail.run()
        assert mail.sink.received == []


class TestThrottledPerAddress:
    async def test_one_client_asking_for_many_addresses_is_limited(
        self, app_with: AppFactory
    ) -> None:
        """The login's per-address limit, whatever address is asked for; another client
        still gets its answer."""
        _, client = await app_with(trusted_proxies="127.0.0.1", login_address_max_failures=3)

        async def ask_from(host: str, n: int) -> httpx.Response:
            body = {"email": f"someone{n}@example.com"}
            return await client.post(ASK, json=body, headers={"X-Forwarded-For": host})

        answers = [(await ask_from("203.0.113.7", n)).status_code for n in range(3)]
        assert answers == [202] * 3
        refused = await ask_from("203.0.113.7", 3)
        assert refused.status_code == 429
        assert refused.json()["error"] == magic_link.TOO_MANY_LINKS
        assert (await ask_from("198.51.100.1", 4)).status_code == 202
