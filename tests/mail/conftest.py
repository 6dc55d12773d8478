"""A real SMTP server (aiosmtpd, on 127.0.0.1) that keeps what it is sent and answers DATA as
told, and the app sending to it. The tests drive the outbox (dispatch, deliver_due)."""

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from fastapi import FastAPI

from app.mail.delivery import deliver_due, dispatch
from tests.conftest import AppFactory
from tests.factories import Actors, make_actors

PUBLIC_URL = "https://help.example.com"
INBOUND_SECRET = "round-trip-inbound-secret-7f3a"


@dataclass
class Sink:
    """aiosmtpd's handler: DATA answers popped from `answers` (then 250), messages kept."""

    answers: list[str] = field(default_factory=list)
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    logins: list[Any] = field(default_factory=list)
    starttls: list[bool] = field(default_factory=list)  # per message: after STARTTLS?

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answers:
            return self.answers.pop(0)
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        self.starttls.append(session.ssl is not None)
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, *args: Any) -> AuthResult:
        self.logins.append(args)
        return AuthResult(success=True)

    def messages(self) -> list[EmailMessage]:
        return [
            cast(EmailMessage, message_from_bytes(raw, policy=policy.default))
            for _, raw in self.received
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Sink, str]]:
    """Plain SMTP, no STARTTLS, AUTH offered even in clear (so a client that would send its
    credentials without TLS could)."""
    sink = Sink()
    port = free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        authenticator=sink.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield sink, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@dataclass
class Mail:
    app: FastAPI
    client: httpx.AsyncClient
    actors: Actors
    sink: Sink

    async def run(self, owner: str = "test", now: datetime | None = None) -> int:
        """Dispatches the new events, then makes the due attempts; returns the attempts."""
        await dispatch(self.app.state.db, self.app.state.settings)
        return await deliver_due(self.app.state.db, self.app.state.settings, owner=owner, now=now)

    async def outbox(self, **query: Any) -> list[dict[str, Any]]:
        return await self.app.state.db.mail_outbox.find(query).sort("event_seq", 1).to_list()

    async def deliver_to_us(self, raw: bytes) -> dict[str, Any]:
        """A message handed to the inbound endpoint, as a Postfix pipe does; its answer."""
        headers = {"Content-Type": "message/rfc822", "Authorization": f"Bearer {INBOUND_SECRET}"}
        response = await self.client.post("/api/inbound/email/", content=raw, headers=headers)
        assert response.status_code == 202, response.text
        answer: dict[str, Any] = response.json()
        return answer


@pytest.fixture
async def mail(app_with: AppFactory, smtp_server: tuple[Sink, str]) -> Mail:
    sink, url = smtp_server
    app, client = await app_with(
        smtp_url=url,
        public_urls=[PUBLIC_URL],
        mail_from="Support <support@example.com>",
        inbound_email_secret=INBOUND_SECRET,
    )
    actors = await make_actors(app.state.db, app.state.settings)
    return Mail(app, client, actors, sink)
