"""Notifications out: who gets what (never the actor, never an internal note to a customer),
and what each message carries, through a real SMTP server."""

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from bson import ObjectId

from app.core.clock import utcnow
from app.mail import addresses, queries
from app.tickets.breaches import record_overdue_breaches
from tests.factories import Actor, create_ticket
from tests.mail.conftest import PUBLIC_URL, Mail


async def post(mail: Mail, path: str, actor: Actor, body: dict[str, Any] | None = None) -> Any:
    response = await mail.client.post(path, json=body, headers=actor.headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def sent_to(mail: Mail) -> list[tuple[str, str]]:
    """(recipient, kind) of each queued message, in order, after a delivery round."""
    await mail.run()
    return [(m["to"], m["kind"]) for m in await mail.outbox()]


class TestWhoGetsWhat:
    async def test_customer_is_told_of_the_ticket_staff_replies_and_resolution(
        self, mail: Mail
    ) -> None:
        customer, agent = mail.actors.customer, mail.actors.agent
        ticket = await create_ticket(mail.client, customer)
        path = f"/api/support/tickets/{ticket['id']}"
        await post(mail, f"{path}/assign-self/", agent)
        await post(mail, f"{path}/replies/", agent, {"body": "We are on it."})
        await post(mail, f"{path}/add-note/", agent, {"note": "INTERNAL-ONLY courier blamed"})
        response = await mail.client.put(
            f"{path}/update-status/", json={"status": "Resolved"}, headers=agent.headers
        )
        assert response.status_code == 200, response.text
        assert await sent_to(mail) == [
            (customer.email, "ticket_created"),
            (customer.email, "staff_reply"),
            (customer.email, "ticket_resolved"),
        ]  # the agent's own assignment, reply and change: nothing to the agent
        assert len(mail.sink.received) == 3
        assert all(b"INTERNAL-ONLY" not in raw for _, raw in mail.sink.received)
        assert all(rcpt == [customer.email] for rcpt, _ in mail.sink.received)

    async def test_agent_is_told_of_assignment_customer_replies_and_breaches(
        self, mail: Mail
    ) -> None:
        customer, agent, admin = mail.actors.customer, mail.actors.agent, mail.actors.admin
        ticket = await create_ticket(mail.client, customer)
        path = f"/api/support/tickets/{ticket['id']}"
        await post(mail, f"{path}/reassign/", admin, {"agent_id": agent.id})
        await post(mail, f"{path}/replies/", customer, {"body": "Any news?"})
        db = mail.app.state.db
        assert await record_overdue_breaches(db=db, now=utcnow() + timedelta(days=30)) == 1
        got = await sent_to(mail)
        assert got[0] == (customer.email, "ticket_created")
        assert sorted(got[1:]) == sorted(
            [
                (agent.email, "ticket_assigned"),
                (agent.email, "customer_reply"),
                *[(agent.email, "sla_breach")] * (len(got) - 3),
            ]
        )
        assert len(got) >= 4  # one or both deadlines missed
        assert admin.email not in {to for to, _ in got}

    async def test_admins_are_told_of_an_agent_waiting(self, mail: Mail) -> None:
        response = await mail.client.post(
            "/api/support/register-agent/",
            json={"email": "new-agent@example.com", "password": "password123", "name": "Ana"},
        )
        assert response.status_code == 201, response.text
        assert await sent_to(mail) == [(mail.actors.admin.email, "agent_waiting")]
        (message,) = mail.sink.messages()
        assert "Ana" in message["Subject"] and "Reply-To" not in message
        assert f"{PUBLIC_URL}/app/#/admin/agents" in message.get_body(("plain",)).get_content()

    async def test_a_kind_turned_off_is_not_sent(self, mail: Mail) -> None:
        customer = mail.actors.customer
        response = await mail.client.put(
            "/api/me/notifications/",
            json={"email": {"ticket_created": False}},
            headers=customer.headers,
        )
        assert response.status_code == 200, response.text
        await create_ticket(mail.client, customer)
        assert await sent_to(mail) == []


def header(message: EmailMessage, name: str) -> str:
    return str(message[name])


class TestHeaders:
    async def test_messages_thread_reply_to_a_token_and_mark_notifications(
        self, mail: Mail
    ) -> None:
        customer, agent = mail.actors.customer, mail.actors.agent
        ticket = await create_ticket(mail.client, customer, subject="Where is my parcel?")
        path = f"/api/support/tickets/{ticket['id']}"
        await post(mail, f"{path}/assign-self/", agent)
        await post(mail, f"{path}/replies/", agent, {"body": "Found it."})
        await mail.client.put(
            f"{path}/update-status/", json={"status": "Resolved"}, headers=agent.headers
        )
        await mail.run()
        ack, reply, resolved = mail.sink.messages()
        ids = [header(m, "Message-ID") for m in (ack, reply, resolved)]
        assert len(set(ids)) == 3
        assert all(
            addresses.ticket_of_message_id(mail.app.state.settings, i) == ObjectId(ticket["id"])
            for i in ids
        )
        assert "In-Reply-To" not in ack
        assert header(reply, "In-Reply-To") == ids[0] and header(reply, "References") == ids[0]
        assert header(resolved, "In-Reply-To") == ids[1]
        assert header(resolved, "References").split() == ids[:2]
        for message in (ack, reply, resolved):
            assert header(message, "Subject") == f"[#{ticket['id']}] Where is my parcel?"
            read = addresses.read_reply_address(
                mail.app.state.settings, header(message, "Reply-To")
            )
            assert read == (ObjectId(ticket["id"]), ObjectId(customer.id))
            text = message.get_body(("plain",)).get_content()
            assert f"{PUBLIC_URL}/app/#/tickets/{ticket['id']}" in text
        for notification in (ack, resolved):
            assert header(notification, "Auto-Submitted") == "auto-generated"
            assert header(notification, "X-Auto-Response-Suppress") == "All"
            assert header(notification, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
            assert header(notification, "List-Unsubscribe").startswith(
                f"<{PUBLIC_URL}/api/mail/unsubscribe/"
            )
        # the agent's reply is a person's message: no auto-reply suppression, no unsubscribe
        assert "Auto-Submitted" not in reply and "List-Unsubscribe" not in reply
        assert "via Support" in header(reply, "From")
        # the inbound side finds the ticket of a reply by the Message-ID it answers
        sent = await queries.tickets_of_sent(mail.app.state.db, [ids[1]])
        assert sent == {ids[1]: ObjectId(ticket["id"])}

    async def test_html_is_escaped_and_fetches_nothing(self, mail: Mail) -> None:
        await create_ticket(
            mail.client, mail.actors.customer, subject="<script>alert(1)</script> & co"
        )
        await mail.run()
        (message,) = mail.sink.messages()
        html = message.get_body(("html",)).get_content()
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
        assert "<img" not in html.lower()
        assert message.get_body(("plain",)).get_content().count("<script>") == 1
        assert header(message, "Subject").endswith("<script>alert(1)</script> & co")


class TestInternalNeverReachesTheCustomer:
    async def test_an_internal_attachment_or_note_makes_no_mail_to_the_customer(
        self, mail: Mail
    ) -> None:
        customer, agent, admin = mail.actors.customer, mail.actors.agent, mail.actors.admin
        ticket = await create_ticket(mail.client, customer)
        path = f"/api/support/tickets/{ticket['id']}"
        await post(mail, f"{path}/assign-self/", agent)
        for staff in (agent, admin):  # the assigned agent, and an admin on the agent's ticket
            uploaded = await mail.client.post(
                f"{path}/attachments/",
                files={"file": ("courier-report.txt", b"INTERNAL-FILE dented box", "text/plain")},
                data={"visibility": "internal"},
                headers=staff.headers,
            )
            assert uploaded.status_code == 201, uploaded.text
            await post(mail, f"{path}/add-note/", staff, {"note": "INTERNAL-NOTE courier blamed"})
        assert await sent_to(mail) == [(customer.email, "ticket_created")]
        for _, raw in mail.sink.received:
            assert b"INTERNAL" not in raw and b"courier-report" not in raw
