"""The issue's reference flow, two people in two browsers at once: a customer opens a ticket
with a photo; it appears in the agent's Unassigned queue without a reload; the agent takes it
and replies; the reply appears in the customer's open ticket without a reload; the agent
resolves it; the customer rates it. And a stale edit: the console says the ticket changed and
shows its new state."""

import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.console.conftest import Console, log_in
from tests.console.test_customer import new_ticket, png


class TestTheReferenceFlow:
    def test_customer_and_agent_work_a_ticket_live(
        self, open_page: Callable[[], Page], console: Console, tmp_path: Path
    ) -> None:
        token = f"zq{uuid.uuid4().hex[:8]}"
        subject = f"Vase arrived broken {token}"
        customer = log_in(open_page(), console, console.customer())
        agent = log_in(open_page(), console, console.agent())
        agent.get_by_role("button", name="Unassigned", exact=True).click()
        agent.get_by_label("Search").fill(token)
        agent.get_by_role("button", name="Search").click()
        expect(agent.get_by_text("No tickets here.")).to_be_visible()

        new_ticket(customer, subject, png(tmp_path))
        queue = agent.get_by_role("list", name="Tickets")
        expect(queue.get_by_role("link", name=subject)).to_be_visible()
        expect(queue).to_contain_text("Unassigned")

        queue.get_by_role("link", name=subject).click()
        files = agent.get_by_role("list", name="Files on this ticket")
        expect(files.get_by_role("img", name="damage.png")).to_be_visible()
        agent.get_by_role("button", name="Assign to me").click()
        expect(agent.get_by_text("Assigned to you", exact=True)).to_be_visible()
        agent.get_by_label("Reply to the customer").fill("A new vase leaves today.")
        agent.get_by_role("button", name="Send reply").click()
        expect(agent.get_by_role("list", name="Replies")).to_contain_text("A new vase leaves")

        expect(customer.get_by_role("list", name="Replies")).to_contain_text(
            "A new vase leaves today."
        )
        agent.get_by_label("Status").select_option("Resolved")
        agent.get_by_role("button", name="Save").click()
        expect(agent.get_by_label("Status")).to_have_value("Resolved")

        customer.get_by_role("radio", name="5").check()
        customer.get_by_role("button", name="Send feedback").click()
        expect(customer.get_by_text("You rated this ticket 5 out of 5")).to_be_visible()


class TestAStaleEdit:
    def test_the_console_says_someone_else_changed_it_and_shows_the_new_state(
        self, page: Page, console: Console
    ) -> None:
        customer, agent = console.customer(), console.agent()
        api = f"{console.base}/api/support/tickets"
        created = httpx.post(
            f"{api}/create/",
            headers=console.headers(customer),
            json={"subject": "Cracked mirror", "description": "In pieces.", "category": "Damaged"},
        )
        ticket = f"{api}/{created.json()['ticket']['id']}"
        assert httpx.post(f"{ticket}/assign-self/", headers=console.headers(agent)).is_success
        log_in(page, console, agent)
        page.goto(console.url(f"/agent/tickets/{created.json()['ticket']['id']}"))
        priority = page.get_by_label("Priority")
        expect(priority).to_have_value("Medium")

        priority.select_option("High")
        # Meanwhile the admin lowers it; the open page follows, keeping the agent's edit.
        admin = console.headers(console.admin)
        lowered = httpx.put(f"{ticket}/update-status/", headers=admin, json={"priority": "Low"})
        assert lowered.status_code == 200, lowered.text
        expect(page.locator(".meta").first).to_contain_text("Priority Low")
        expect(priority).to_have_value("High")

        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("alert")).to_contain_text("This ticket was changed by someone else")
        expect(priority).to_have_value("Low")
        detail = httpx.get(f"{ticket}/", headers=admin).json()
        assert detail["ticket"]["priority"] == "Low"
