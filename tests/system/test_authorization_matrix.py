"""Issue 5: who may call what. One row per operation of the OpenAPI document, one column per
kind of caller. A new endpoint cannot ship without its row: the completeness test fails."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from bson import ObjectId
from fastapi import FastAPI

from app.core.config import Settings
from app.core.db import Database
from app.faq.documents import new_faq
from app.tickets.documents import Category
from tests.conftest import http_client, make_settings, running_app
from tests.factories import PASSWORD, Actor, Actors, make_actors, make_user, store_ticket

CALLERS = (
    "anonymous", "owner", "other_customer", "pending_agent",
    "assigned_agent", "other_agent", "admin", "deactivated",
)  # fmt: skip
SECRET = "SECRET-SUBJECT-7f3a"  # in every ticket of the owner; never in a refused body


@dataclass
class World:
    client: httpx.AsyncClient
    db: Database
    actors: Actors
    app: FastAPI

    @property
    def settings(self) -> Settings:
        settings: Settings = self.app.state.settings
        return settings

    async def ticket(self, *, status: str = "In Progress", assigned: bool = True) -> str:
        ticket = await store_ticket(
            self.db,
            self.actors.customer,
            status=status,
            agent=self.actors.agent if assigned else None,
            subject=SECRET,
            description=f"{SECRET} {self.actors.customer.email}",
            category="Lost",
        )
        return str(ticket["_id"])

    async def user(self, **fields: Any) -> str:
        return str((await make_user(self.db, **fields))["_id"])

    async def faq(self) -> str:
        faq = new_faq(question="q?", answer="a.", category=Category.OTHER)
        await self.db.faqs.insert_one(dict(faq))
        return str(faq["_id"])

    async def canned(self, *, shared: bool) -> str:
        """A canned response: the assigned agent's own, or a shared one (made by the admin)."""
        author = self.actors.admin if shared else self.actors.agent
        body = {**CANNED, "shared": shared}
        made = await self.client.post(CANNED_URL, json=body, headers=author.headers)
        return str(made.json()["canned_response"]["id"])

    async def attachment(self, visibility: str = "public") -> str:
        """A file on one of the owner's tickets (assigned to the agent), uploaded by an admin."""
        ticket_id = await self.ticket()
        response = await self.client.post(
            f"/api/support/tickets/{ticket_id}/attachments/",
            files={"file": ("receipt.txt", b"order 42, paid", "text/plain")},
            data={"visibility": visibility},
            headers=self.actors.admin.headers,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["attachment"]["id"])

    async def webhook(self) -> tuple[str, str]:
        """A webhook with one queued delivery (its test event)."""
        from app.webhooks.delivery import dispatch

        # The rows share one database: earlier webhooks would each get every event from here on.
        await self.db.webhooks.delete_many({})
        await self.db.webhook_deliveries.delete_many({})
        created = await self.client.post(
            "/api/admin/webhooks/", json=HOOK, headers=self.actors.admin.headers
        )
        webhook_id = created.json()["webhook"]["id"]
        await self.client.post(
            f"/api/admin/webhooks/{webhook_id}/test/", headers=self.actors.admin.headers
        )
        await dispatch(self.db)
        delivery = await self.db.webhook_deliveries.find_one({"webhook_id": ObjectId(webhook_id)})
        assert delivery is not None
        return webhook_id, str(delivery["_id"])

    async def email(self, sender: str = "stranger@example.net") -> str:
        """A message kept on one of the owner's tickets (assigned to the agent), quarantined:
        a stranger quoting the Message-ID of a message we sent."""
        from app.inbound import queries as inbound_queries
        from app.inbound.mailroom import Mailroom
        from app.inbound.service import receive
        from app.mail.addresses import message_id

        ticket_id = ObjectId(await self.ticket())
        sent = message_id(self.settings, ticket_id=ticket_id)
        await self.db.mail_outbox.insert_one(
            {"message_id": sent, "ticket_id": ticket_id, "recipient_id": ObjectId()}
        )
        raw = (
            f"From: {sender}\nTo: support@localhost\nSubject: hello\n"
            f"Message-ID: <{uuid.uuid4().hex}@example.net>\nIn-Reply-To: {sent}\n\n{SECRET}\n"
        ).encode()
        room = Mailroom(self.db, self.settings, self.app.state.image_slots, self.app.state.hasher)
        await receive(room=room, raw=raw)
        found = await inbound_queries.inbound_emails(self.db).find_one({"ticket_id": ticket_id})
        assert found is not None
        return str(found["_id"])

    async def refresh_token(self) -> str:
        response = await self.client.post(
            "/api/auth/login/",
            json={"email": self.actors.other_customer.email, "password": PASSWORD},
        )
        return str(response.json()["refresh_token"])


Request = tuple[str, dict[str, Any] | None]  # (path, json body)
MULTIPART = "multipart files"  # a body under this key is sent as multipart/form-data
Builder = Callable[[World], Awaitable[Request]]


def fixed(path: str, body: dict[str, Any] | None = None) -> Builder:
    async def build(world: World) -> Request:
        return path, body

    return build


def signup() -> Builder:
    async def build(world: World) -> Request:
        return "", {
            "email": f"new-{uuid.uuid4().hex[:8]}@example.com",
            "password": "password123",
            "name": "New",
        }

    return build


def on_ticket(action: str, body: dict[str, Any] | None = None, **state: Any) -> Builder:
    async def build(world: World) -> Request:
        payload = body
        if body == {"agent_id": "<agent>"}:
            payload = {"agent_id": world.actors.other_agent.id}
        return f"/api/support/tickets/{await world.ticket(**state)}/{action}", payload

    return build


def merging() -> Builder:
    """Two of the owner's tickets, both assigned to the agent: one merged into the other."""

    async def build(world: World) -> Request:
        source = await world.ticket()
        return f"/api/support/tickets/{await world.ticket()}/merge/", {
            "source_ticket_ids": [source]
        }

    return build


def in_bulk(change: dict[str, Any]) -> Builder:
    async def build(world: World) -> Request:
        return "/api/support/tickets/bulk/", {"ticket_ids": [await world.ticket()], **change}

    return build


def valid_login() -> Builder:
    async def build(world: World) -> Request:
        return "", {"email": world.actors.other_customer.email, "password": PASSWORD}

    return build


def with_refresh_token(path: str) -> Builder:
    async def build(world: World) -> Request:
        return path, {"refresh_token": await world.refresh_token()}

    return build


def on_user(path: str, **fields: Any) -> Builder:
    async def build(world: World) -> Request:
        return path.format(id=await world.user(**fields)), None

    return build


def on_attachment(path: str) -> Builder:
    async def build(world: World) -> Request:
        return path.format(id=await world.attachment()), None

    return build


UPLOAD = {MULTIPART: {"file": ("photo.txt", b"the box was crushed", "text/plain")}}


def on_webhook(action: str, body: dict[str, Any] | None = None) -> Builder:
    async def build(world: World) -> Request:
        webhook_id, delivery_id = await world.webhook()
        path = f"/api/admin/webhooks/{webhook_id}/{action}".replace("{delivery}", delivery_id)
        return path, body

    return build


def unsubscribe_link() -> Builder:
    """A valid link of the owner's (signed with the tests' JWT_SECRET): no login needed."""

    async def build(world: World) -> Request:
        from app.core.config import Settings
        from app.mail.documents import MailKind
        from app.mail.links import unsubscribe_token
        from tests.conftest import TEST_JWT_SECRET

        keys = Settings(_env_file=None, jwt_secret=TEST_JWT_SECRET)  # type: ignore[call-arg]
        user = ObjectId(world.actors.customer.id)
        return (
            f"/api/mail/unsubscribe/{unsubscribe_token(keys, user_id=user, kind=MailKind.STAFF_REPLY)}/",
            None,
        )

    return build


def on_canned(path: str, body: dict[str, Any] | None = None, *, shared: bool = False) -> Builder:
    async def build(world: World) -> Request:
        ticket_id = await world.ticket() if "{ticket}" in path else ""
        return path.format(id=await world.canned(shared=shared), ticket=ticket_id), body

    return build


def on_macro(path: str, body: dict[str, Any] | None = None) -> Builder:
    """A macro saved by the admin; `{ticket}`: one of the owner's tickets, the agent's."""

    async def build(world: World) -> Request:
        made = await world.client.post(MACROS_URL, json=MACRO, headers=world.actors.admin.headers)
        ticket_id = await world.ticket() if "{ticket}" in path else ""
        return path.format(id=made.json()["macro"]["id"], ticket=ticket_id), body

    return build


def on_faq(path: str, body: dict[str, Any] | None = None) -> Builder:
    async def build(world: World) -> Request:
        return path.format(id=await world.faq()), body

    return build


def on_email(path: str) -> Builder:
    async def build(world: World) -> Request:
        return path.format(id=await world.email()), None

    return build


RAW_EMAIL = {"raw": "Subject: hi"}  # any body: every caller's token is refused (own secret)


def on_survey() -> Builder:
    """A survey of a ticket of the owner's, with its link's token: the link is the credential."""

    async def build(world: World) -> Request:
        from app.core.clock import utcnow
        from app.tickets.surveys import mint_token

        token, token_hash = mint_token()
        survey = {"ticket_id": ObjectId(await world.ticket()), "cycle": 1, "agent_id": None}
        customer = {"customer_id": ObjectId(world.actors.customer.id), "category": "Lost"}
        await world.db.surveys.insert_one(
            {
                **survey,
                **customer,
                "token_hash": token_hash,
                "expires_at": utcnow() + timedelta(days=14),
            }
        )
        return f"/api/surveys/{token}/", {"rating": "5"}

    return build


def sign_in_link() -> Builder:
    """A sign-in link of the other customer's: the token is the credential, whoever sends it."""

    async def build(world: World) -> Request:
        import secrets

        from app.auth.magic_link import hash_token
        from app.core.clock import utcnow

        token = secrets.token_urlsafe(32)
        user = ObjectId(world.actors.other_customer.id)
        await world.db.magic_links.insert_one(
            {"token_hash": hash_token(token), "user_id": user, "used_at": None}
            | {"expires_at": utcnow() + timedelta(minutes=15)}
        )
        return "", {"token": token}

    return build


def sign_in_request() -> Builder:
    async def build(world: World) -> Request:
        return "", {"email": f"someone-{uuid.uuid4().hex[:8]}@example.com"}

    return build


ok_for_all = (200,) * 8
admins_only = (401, 403, 403, 403, 403, 403, 200, 401)
admins_only_201 = (401, 403, 403, 403, 403, 403, 201, 401)
HOOK = {"url": "http://127.0.0.1:9/hook", "description": "CRM"}
SLA_POLICY = {
    "targets": {
        p: {"first_response_minutes": 60, "resolution_minutes": 480}
        for p in ("High", "Medium", "Low")
    }
}
ASSIGNMENT = {"mode": "load_balanced", "max_open_per_agent": 5, "match_categories": True}
CANNED_URL = "/api/agent/canned-responses/"
CANNED = {"title": "Hello", "body": "Hi {{ customer.name }}"}
staff_only = (401, 403, 403, 403, 200, 200, 200, 401)
MACROS_URL = "/api/admin/macros/"
MACRO = {"title": "VIP", "add_tags": ["vip"], "note": "For {{ agent.name }}"}
FAQ = {"question": "Where is it?", "answer": "On its way.", "category": "Late"}

# Expected status per caller, in the order of CALLERS.
MATRIX: dict[str, tuple[tuple[int, ...], Builder]] = {
    "GET /api/health/": (ok_for_all, fixed("/api/health/")),
    "GET /api/ready/": (ok_for_all, fixed("/api/ready/")),
    "POST /api/auth/register/": ((201,) * 8, signup()),
    "POST /api/support/register-agent/": ((201,) * 8, signup()),
    "POST /api/auth/login/": (ok_for_all, valid_login()),
    "POST /api/auth/refresh/": (ok_for_all, with_refresh_token("/api/auth/refresh/")),
    "POST /api/auth/logout/": (ok_for_all, with_refresh_token("/api/auth/logout/")),
    "GET /api/auth/me/": ((401, 200, 200, 200, 200, 200, 200, 401), fixed("/api/auth/me/")),
    "POST /api/support/tickets/create/": (
        (401, 201, 201, 403, 403, 403, 403, 401),
        fixed(
            "/api/support/tickets/create/", {"subject": "s", "description": "d", "category": "Late"}
        ),
    ),
    "GET /api/support/tickets/": (
        (401, 200, 200, 403, 403, 403, 403, 401),
        fixed("/api/support/tickets/"),
    ),
    "GET /api/support/tickets/{ticket_id}/": (
        (401, 200, 403, 403, 200, 403, 200, 401),
        on_ticket(""),
    ),
    "PUT /api/support/tickets/{ticket_id}/update-status/": (
        (401, 403, 403, 403, 200, 403, 200, 401),
        on_ticket("update-status/", {"status": "On Hold"}),
    ),
    "POST /api/support/tickets/{ticket_id}/assign-self/": (
        (401, 403, 403, 403, 200, 200, 403, 401),
        on_ticket("assign-self/", assigned=False, status="Open"),
    ),
    "POST /api/support/tickets/{ticket_id}/reassign/": (
        (401, 403, 403, 403, 403, 403, 200, 401),
        on_ticket("reassign/", {"agent_id": "<agent>"}),
    ),
    "POST /api/support/tickets/{ticket_id}/add-note/": (
        (401, 403, 403, 403, 201, 403, 201, 401),
        on_ticket("add-note/", {"note": "n"}),
    ),
    "POST /api/support/tickets/{ticket_id}/merge/": (
        (401, 403, 403, 403, 200, 403, 200, 401),
        merging(),
    ),
    "POST /api/support/tickets/{ticket_id}/feedback/": (
        (401, 201, 403, 403, 403, 403, 403, 401),
        on_ticket("feedback/", {"rating": "5"}, status="Resolved"),
    ),
    "POST /api/support/tickets/{ticket_id}/tags/": (
        (401, 403, 403, 403, 200, 403, 200, 401),
        on_ticket("tags/", {"add": ["vip"]}),
    ),
    "POST /api/support/tickets/bulk/": (
        (401, 403, 403, 403, 200, 200, 200, 401),
        in_bulk({"add_tags": ["vip"]}),  # 200 for each: results per ticket (test_bulk.py)
    ),
    "GET /api/agent/tickets/": (
        (401, 403, 403, 403, 200, 200, 403, 401),
        fixed("/api/agent/tickets/"),
    ),
    "POST /api/admin/approve-agent/{agent_id}/": (
        (401, 403, 403, 403, 403, 403, 200, 401),
        on_user("/api/admin/approve-agent/{id}/", role="support_agent", approved=False),
    ),
    "GET /api/admin/agents/": (
        (401, 403, 403, 403, 403, 403, 200, 401),
        fixed("/api/admin/agents/"),
    ),
    "POST /api/admin/users/{user_id}/deactivate/": (
        (401, 403, 403, 403, 403, 403, 200, 401),
        on_user("/api/admin/users/{id}/deactivate/"),
    ),
    "POST /api/admin/users/{user_id}/activate/": (
        (401, 403, 403, 403, 403, 403, 200, 401),
        on_user("/api/admin/users/{id}/activate/", active=False),
    ),
    "GET /api/admin/support/tickets/": (
        (401, 403, 403, 403, 403, 403, 200, 401),
        fixed("/api/admin/support/tickets/"),
    ),
    "POST /api/support/tickets/{ticket_id}/replies/": (
        (401, 201, 403, 403, 201, 403, 201, 401),
        on_ticket("replies/", {"body": "Any news?"}),
    ),
    "GET /api/support/tickets/{ticket_id}/replies/": (
        (401, 200, 403, 403, 200, 403, 200, 401),
        on_ticket("replies/"),
    ),
    "POST /api/support/tickets/{ticket_id}/attachments/": (
        (401, 201, 403, 403, 201, 403, 201, 401),
        on_ticket("attachments/", UPLOAD),
    ),
    "GET /api/support/tickets/{ticket_id}/attachments/": (
        (401, 200, 403, 403, 200, 403, 200, 401),
        on_ticket("attachments/"),
    ),
    "GET /api/support/attachments/{attachment_id}/": (
        (401, 200, 403, 403, 200, 403, 200, 401),
        on_attachment("/api/support/attachments/{id}/"),
    ),
    "DELETE /api/support/attachments/{attachment_id}/": (
        (401, 403, 403, 403, 403, 403, 200, 401),
        on_attachment("/api/support/attachments/{id}/"),
    ),
    "GET /api/support/tickets/{ticket_id}/events/": (
        (401, 200, 403, 403, 200, 403, 200, 401),
        on_ticket("events/"),
    ),
    "GET /api/events/": ((401, 200, 200, 200, 200, 200, 200, 401), fixed("/api/events/")),
    "POST /api/events/stream-token/": (
        (401, 200, 200, 200, 200, 200, 200, 401),
        fixed("/api/events/stream-token/"),
    ),
    "GET /api/events/stream/": (
        (401, 200, 200, 200, 200, 200, 200, 401),
        fixed("/api/events/stream/"),
    ),
    "POST /api/admin/webhooks/": (admins_only_201, fixed("/api/admin/webhooks/", HOOK)),
    "GET /api/admin/webhooks/": (admins_only, fixed("/api/admin/webhooks/")),
    "GET /api/admin/webhooks/{webhook_id}/": (admins_only, on_webhook("")),
    "PATCH /api/admin/webhooks/{webhook_id}/": (
        admins_only,
        on_webhook("", {"description": "d"}),
    ),
    "DELETE /api/admin/webhooks/{webhook_id}/": (admins_only, on_webhook("")),
    "POST /api/admin/webhooks/{webhook_id}/rotate-secret/": (
        admins_only,
        on_webhook("rotate-secret/"),
    ),
    "POST /api/admin/webhooks/{webhook_id}/test/": (admins_only, on_webhook("test/")),
    "GET /api/admin/webhooks/{webhook_id}/deliveries/": (admins_only, on_webhook("deliveries/")),
    "POST /api/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/retry/": (
        admins_only,
        on_webhook("deliveries/{delivery}/retry/"),
    ),
    "GET /api/support/faq/": (ok_for_all, fixed("/api/support/faq/")),
    "GET /api/me/notifications/": (
        (401, 200, 200, 200, 200, 200, 200, 401),
        fixed("/api/me/notifications/"),
    ),
    "PUT /api/me/notifications/": (
        (401, 200, 200, 200, 200, 200, 200, 401),
        fixed("/api/me/notifications/", {"email": {}}),
    ),
    "GET /api/mail/unsubscribe/{token}/": (ok_for_all, unsubscribe_link()),
    "POST /api/mail/unsubscribe/{token}/": (ok_for_all, unsubscribe_link()),
    "GET /api/admin/mail/outbox/": (admins_only, fixed("/api/admin/mail/outbox/")),
    "GET /api/support/faq/suggest/": (ok_for_all, fixed("/api/support/faq/suggest/?q=late")),
    "POST /api/support/faq/{faq_id}/opened/": (
        (201,) * 8,
        on_faq("/api/support/faq/{id}/opened/", {}),
    ),
    "POST /api/support/faq/{faq_id}/feedback/": (
        (201,) * 8,
        on_faq("/api/support/faq/{id}/feedback/", {"helpful": True}),
    ),
    "GET /api/admin/faq/unanswered/": (admins_only, fixed("/api/admin/faq/unanswered/")),
    "GET /api/admin/sla-policy/": (admins_only, fixed("/api/admin/sla-policy/")),
    "PUT /api/admin/sla-policy/": (admins_only, fixed("/api/admin/sla-policy/", SLA_POLICY)),
    "GET /api/admin/reports/overview/": (
        admins_only,
        fixed("/api/admin/reports/overview/?group_by=agent"),
    ),
    "GET /api/agent/stats/": (
        (401, 403, 403, 403, 200, 200, 403, 401),
        fixed("/api/agent/stats/"),
    ),
    "POST /api/admin/faq/": (
        (401, 403, 403, 403, 403, 403, 201, 401),
        fixed("/api/admin/faq/", FAQ),
    ),
    "PUT /api/admin/faq/{faq_id}/": (
        (401, 403, 403, 403, 403, 403, 200, 401),
        on_faq("/api/admin/faq/{id}/", FAQ),
    ),
    # Its own secret (INBOUND_EMAIL_SECRET, unset here): no user's token opens it
    # (tests/mail/test_inbound_admin.py::TestInboundSecret).
    "POST /api/inbound/email/": ((401,) * 8, fixed("/api/inbound/email/", RAW_EMAIL)),
    "GET /api/support/tickets/{ticket_id}/emails/": (
        (401, 403, 403, 403, 200, 403, 200, 401),
        on_ticket("emails/"),
    ),
    "GET /api/support/emails/{email_id}/raw/": (
        (401, 403, 403, 403, 200, 403, 200, 401),
        on_email("/api/support/emails/{id}/raw/"),
    ),
    "GET /api/admin/mail/quarantine/": (admins_only, fixed("/api/admin/mail/quarantine/")),
    "POST /api/admin/mail/quarantine/{email_id}/release/": (
        admins_only,
        on_email("/api/admin/mail/quarantine/{id}/release/"),
    ),
    "DELETE /api/admin/faq/{faq_id}/": (
        (401, 403, 403, 403, 403, 403, 200, 401),
        on_faq("/api/admin/faq/{id}/"),
    ),
    "GET /api/admin/assignment/": (admins_only, fixed("/api/admin/assignment/")),
    "PUT /api/admin/assignment/": (admins_only, fixed("/api/admin/assignment/", ASSIGNMENT)),
    "GET /api/agent/availability/": (
        (401, 403, 403, 403, 200, 200, 403, 401),
        fixed("/api/agent/availability/"),
    ),
    "PUT /api/agent/availability/": (
        (401, 403, 403, 403, 200, 200, 403, 401),
        fixed("/api/agent/availability/", {"available": True, "categories": ["Lost"]}),
    ),
    "GET /api/agent/canned-responses/": (staff_only, fixed(CANNED_URL)),
    "POST /api/agent/canned-responses/": (
        (401, 403, 403, 403, 201, 201, 201, 401),
        fixed(CANNED_URL, CANNED),
    ),
    # Another agent's personal one is not found, even by an admin: it is its agent's alone.
    "GET /api/agent/canned-responses/{canned_id}/": (
        (401, 403, 403, 403, 200, 404, 404, 401),
        on_canned(CANNED_URL + "{id}/"),
    ),
    "PUT /api/agent/canned-responses/{canned_id}/": (
        (401, 403, 403, 403, 403, 403, 200, 401),
        on_canned(CANNED_URL + "{id}/", {**CANNED, "shared": True}, shared=True),
    ),
    "DELETE /api/agent/canned-responses/{canned_id}/": (
        (401, 403, 403, 403, 200, 404, 404, 401),
        on_canned(CANNED_URL + "{id}/"),
    ),
    "POST /api/support/tickets/{ticket_id}/canned-responses/{canned_id}/render/": (
        (401, 403, 403, 403, 200, 403, 200, 401),
        on_canned("/api/support/tickets/{ticket}/canned-responses/{id}/render/", shared=True),
    ),
    "GET /api/admin/macros/": (admins_only, fixed(MACROS_URL)),
    "POST /api/admin/macros/": (admins_only_201, fixed(MACROS_URL, MACRO)),
    "PUT /api/admin/macros/{macro_id}/": (admins_only, on_macro(MACROS_URL + "{id}/", MACRO)),
    "DELETE /api/admin/macros/{macro_id}/": (admins_only, on_macro(MACROS_URL + "{id}/")),
    "GET /api/agent/macros/": (staff_only, fixed("/api/agent/macros/")),
    "POST /api/support/tickets/{ticket_id}/macros/{macro_id}/apply/": (
        (401, 403, 403, 403, 200, 403, 200, 401),
        on_macro("/api/support/tickets/{ticket}/macros/{id}/apply/"),
    ),
    "GET /api/surveys/{token}/": (ok_for_all, on_survey()),
    "POST /api/surveys/{token}/": (ok_for_all, on_survey()),
    "POST /api/auth/magic-link/": ((202,) * 8, sign_in_request()),
    "POST /api/auth/magic-link/verify/": (ok_for_all, sign_in_link()),
    "POST /api/support/tickets/{ticket_id}/presence/": (
        (401, 403, 403, 403, 200, 403, 200, 401),
        on_ticket("presence/", {"state": "typing"}),
    ),
    "DELETE /api/support/tickets/{ticket_id}/presence/": (
        (401, 403, 403, 403, 200, 403, 200, 401),
        on_ticket("presence/"),
    ),
}


def test_every_operation_has_a_row(settings: Settings) -> None:
    from app.main import create_app

    spec = create_app(settings).openapi()
    operations = {
        f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops
    }
    assert operations - set(MATRIX) == set(), "add a row to MATRIX for each new operation"
    assert set(MATRIX) - operations == set()
    assert all(len(expected) == len(CALLERS) for expected, _ in MATRIX.values())


def caller_headers(actors: Actors, caller: str) -> dict[str, str]:
    actor: Actor | None = {
        "anonymous": None, "owner": actors.customer, "other_customer": actors.other_customer,
        "pending_agent": actors.pending_agent, "assigned_agent": actors.agent,
        "other_agent": actors.other_agent, "admin": actors.admin, "deactivated": actors.deactivated,
    }[caller]  # fmt: skip
    return actor.headers if actor else {}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(mongodb_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """One app and one set of callers for every row (each row builds the tickets and users it
    changes): an app per row would cost the suite more than its rows do."""
    settings = make_settings(mongodb_url, tmp_path_factory.mktemp("matrix"))
    async with running_app(settings) as app, http_client(app) as client:
        yield World(client, app.state.db, await make_actors(app.state.db, settings), app)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("operation", list(MATRIX))
async def test_matrix(operation: str, world: World) -> None:
    expected, build = MATRIX[operation]
    method, template = operation.split(" ", 1)
    client, actors = world.client, world.actors
    got: dict[str, int] = {}
    for caller in CALLERS:
        path, body = await build(world)
        path = path or template
        if body is not None and MULTIPART in body:
            response = await client.request(
                method, path, files=body[MULTIPART], headers=caller_headers(actors, caller)
            )
        else:
            response = await client.request(
                method, path, json=body, headers=caller_headers(actors, caller)
            )
        got[caller] = response.status_code
        if response.status_code in (401, 403, 404):
            assert set(response.json()) == {"error", "code"}, (caller, response.text)
            assert SECRET not in response.text and actors.customer.email not in response.text
    assert got == dict(zip(CALLERS, expected, strict=True))
