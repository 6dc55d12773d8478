"""E-mail in the console: every role sets its notifications (one checkbox per kind of its
role), and admins read the mail outbox by status; no serious accessibility violation."""

import time

import httpx
from playwright.sync_api import Page, expect

from tests.console.conftest import Console, serious_violations


def go(page: Page, nav: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=nav).click()


def queued_by_then(console: Console, subject: str, within: float = 10) -> None:
    """Waits for the served app's own deliverer to queue the message (it polls the events)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        listed = httpx.get(
            f"{console.base}/api/admin/mail/outbox/",
            headers=console.headers(console.admin),
            timeout=10,
        ).json()["messages"]
        if any(subject in m["subject"] for m in listed):
            return
        time.sleep(0.1)
    raise AssertionError(f"no message about {subject!r} in the outbox")


class TestNotifications:
    def test_a_customer_turns_staff_replies_off(
        self, customer_page: Page, console: Console
    ) -> None:
        go(customer_page, "Notifications")
        expect(customer_page.get_by_role("heading", level=1)).to_have_text("Notifications")
        replies = customer_page.get_by_role("checkbox", name="Support replies to me")
        expect(replies).to_be_checked()
        expect(
            customer_page.get_by_role("checkbox", name="A ticket is assigned to me")
        ).to_have_count(0)
        replies.uncheck()
        customer_page.get_by_role("button", name="Save").click()
        expect(customer_page.get_by_role("status")).to_have_text("Saved.")
        customer_page.reload()
        expect(
            customer_page.get_by_role("checkbox", name="Support replies to me")
        ).not_to_be_checked()
        expect(customer_page.get_by_role("checkbox", name="My ticket is resolved")).to_be_checked()
        assert serious_violations(customer_page) == []

    def test_an_agent_sees_the_kinds_of_agents(self, agent_page: Page) -> None:
        go(agent_page, "Notifications")
        expect(
            agent_page.get_by_role("checkbox", name="A ticket is assigned to me")
        ).to_be_checked()
        expect(agent_page.get_by_role("checkbox", name="Support replies to me")).to_have_count(0)
        assert serious_violations(agent_page) == []


class TestOutbox:
    def test_an_admin_filters_the_outbox_by_status(
        self, admin_page: Page, console: Console
    ) -> None:
        customer = console.customer()
        body = {"subject": "Outbox parcel", "description": "It never came.", "category": "Lost"}
        created = httpx.post(
            f"{console.base}/api/support/tickets/create/",
            json=body,
            headers=console.headers(customer),
            timeout=10,
        )
        assert created.status_code == 201, created.text
        queued_by_then(console, "Outbox parcel")
        go(admin_page, "Mail outbox")
        expect(admin_page.get_by_role("heading", level=1)).to_have_text("Mail outbox")
        status = admin_page.get_by_role("combobox", name="Status")
        status.select_option("failed")
        expect(admin_page.get_by_text("No messages.")).to_be_visible()
        status.select_option("")
        table = admin_page.get_by_role("table", name="Messages, newest first")
        expect(table.get_by_role("row").filter(has_text="Outbox parcel").first).to_be_visible()
        assert serious_violations(admin_page) == []
