"""Inbound mail: an app with the inbound secret and our addresses, a customer's ticket with an
assigned agent, and the corpus of messages in the shapes real mail clients send."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI

from app.core.config import Settings
from app.core.db import Database
from app.inbound import service as inbound
from app.mail.addresses import message_id, reply_address
from app.replies import service as replies
from tests.conftest import AppFactory
from tests.factories import Actor, Actors, make_actors, store_ticket

CORPUS = Path(__file__).parent / "corpus"
SECRET = "inbound-4c1d-93b7-a2f0-test"
MAIL_FROM = "Support <support@example.com>"
CUSTOMER_FROM = "Jane Doe <{email}>"


@dataclass
class Mail:
    app: FastAPI
    client: httpx.AsyncClient
    db: Database
    settings: Settings
    actors: Actors
    ticket_id: str

    @property
    def customer(self) -> Actor:
        return self.actors.customer

    def token_address(self, recipient: Actor, ticket_id: str | None = None) -> str:
        return reply_address(
            self.settings,
            ticket_id=ObjectId(ticket_id or self.ticket_id),
            recipient_id=ObjectId(recipient.id),
        )

    def corpus(self, name: str, *, sender: Actor | str | None = None, **values: str) -> bytes:
        """A corpus message, its placeholders filled: FROM (the customer unless said),
        REPLY_TO (their reply address on the ticket), MESSAGE_ID (of our format on it, but
        not one we sent: see `sent_message_id`), TICKET."""
        who = sender or self.customer
        filled = {
            "FROM": who if isinstance(who, str) else CUSTOMER_FROM.format(email=who.email),
            "REPLY_TO": self.token_address(self.customer),
            "MESSAGE_ID": message_id(self.settings, ticket_id=ObjectId(self.ticket_id)),
            "TICKET": self.ticket_id,
            **values,
        }
        text = (CORPUS / name).read_bytes()
        for key, value in filled.items():
            text = text.replace(b"{{" + key.encode() + b"}}", value.encode())
        return text

    async def sent_message_id(self, ticket_id: str | None = None) -> str:
        """One of our Message-IDs on the ticket, of a message in the outbox (as if sent)."""
        sent = message_id(self.settings, ticket_id=ObjectId(ticket_id or self.ticket_id))
        await self.db.mail_outbox.insert_one(
            {
                "event_seq": 1,
                "kind": "staff_reply",
                "recipient_id": ObjectId(),
                "ticket_id": ObjectId(ticket_id or self.ticket_id),
                "message_id": sent,
                "status": "sent",
            }
        )
        return sent

    async def post(self, raw: bytes, secret: str = SECRET) -> httpx.Response:
        return await self.client.post(
            "/api/inbound/email/",
            content=raw,
            headers={"Content-Type": "message/rfc822", "Authorization": f"Bearer {secret}"},
        )

    async def deliver(self, raw: bytes) -> dict[str, Any]:
        response = await self.post(raw)
        assert response.status_code == 202, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def replies(self, ticket_id: str | None = None) -> list[dict[str, Any]]:
        response = await self.client.get(
            f"/api/support/tickets/{ticket_id or self.ticket_id}/replies/",
            headers=self.actors.admin.headers,
        )
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["replies"]
        return found

    async def ticket(self, ticket_id: str | None = None) -> dict[str, Any]:
        response = await self.client.get(
            f"/api/support/tickets/{ticket_id or self.ticket_id}/",
            headers=self.actors.admin.headers,
        )
        found: dict[str, Any] = response.json()["ticket"]
        return found

    async def quarantine(self) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/api/admin/mail/quarantine/", headers=self.actors.admin.headers
        )
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["messages"]
        return found


async def start_mail(app_with: AppFactory, *, status: str = "In Progress", **settings: Any) -> Mail:
    app, client = await app_with(inbound_email_secret=SECRET, mail_from=MAIL_FROM, **settings)
    db: Database = app.state.db
    actors = await make_actors(db, app.state.settings)
    ticket = await store_ticket(
        db, actors.customer, status=status, agent=actors.agent, subject="Parcel never arrived"
    )
    return Mail(app, client, db, app.state.settings, actors, str(ticket["_id"]))


@pytest.fixture
async def mail(app_with: AppFactory) -> Mail:
    return await start_mail(app_with)


def change_ticket_meanwhile(mail: Mail, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the next reply by mail is written, the agent puts the ticket On Hold (once)."""
    real: Callable[..., Awaitable[Any]] = replies.add_reply

    async def changed_meanwhile(**reply: Any) -> Any:
        monkeypatch.setattr(inbound.replies, "add_reply", real)
        response = await mail.client.put(
            f"/api/support/tickets/{mail.ticket_id}/update-status/",
            json={"status": "On Hold"},
            headers=mail.actors.agent.headers,
        )
        assert response.status_code == 200, response.text
        return await real(**reply)

    monkeypatch.setattr(inbound.replies, "add_reply", changed_meanwhile)
