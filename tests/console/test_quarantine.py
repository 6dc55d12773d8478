"""Issue 24 in the console: replies that came by e-mail are marked in the thread (customer
and staff), and admins see the mail quarantine and release a message from it."""

import uuid

import httpx
from playwright.sync_api import Page, expect

from tests.console.conftest import INBOUND_SECRET, Console, log_in, serious_violations


def deliver(console: Console, raw: str) -> dict[str, str]:
    answer = httpx.post(
        f"{console.base}/api/inbound/email/",
        content=raw.encode(),
        headers={"Content-Type": "message/rfc822", "Authorization": f"Bearer {INBOUND_SECRET}"},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
    result: dict[str, str] = answer.json()
    return result


def message(sender: str, subject: str, body: str) -> str:
    return (
        f"From: {sender}\nTo: support@localhost\nSubject: {subject}\n"
        f"Message-ID: <{uuid.uuid4().hex}@mail.example.org>\n\n{body}\n"
    )


class TestRepliesByMail:
    def test_the_thread_marks_a_reply_by_e_mail(self, page: Page, console: Console) -> None:
        customer = console.customer()
        opened = deliver(console, message(customer["email"], "Where is it?", "Order 9 is late."))
        assert opened["result"] == "new_ticket"
        ticket_id = opened["ticket_id"]
        reply = message(customer["email"], f"Re: [#{ticket_id}] Where is it?", "Still nothing.")
        assert deliver(console, reply)["result"] == "reply"
        log_in(page, console, customer)
        page.goto(console.url(f"/tickets/{ticket_id}"))
        thread = page.get_by_role("list", name="Replies")
        expect(thread.get_by_role("listitem").filter(has_text="Still nothing.")).to_contain_text(
            "by e-mail"
        )


class TestQuarantineScreen:
    def test_an_admin_releases_held_mail(self, admin_page: Page, console: Console) -> None:
        sender = f"new-{uuid.uuid4().hex[:8]}@example.net"
        held = deliver(console, message(sender, "Do you deliver on Sundays?", "Just asking."))
        assert held["result"] == "quarantined"
        nav = admin_page.get_by_role("navigation", name="Main")
        nav.get_by_role("link", name="Quarantine").click()
        row = admin_page.get_by_role("listitem").filter(has_text=sender)
        expect(row).to_contain_text("unknown_sender")
        expect(row).to_contain_text("Do you deliver on Sundays?")
        assert serious_violations(admin_page) == []
        row.get_by_role("button", name=f"Release the mail from {sender}").click()
        expect(admin_page.get_by_role("listitem").filter(has_text=sender)).to_have_count(0)
