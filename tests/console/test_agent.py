"""An agent works the console in a real browser: the queue's views, filters, search and sorts
with each row's SLA state in words; a ticket with the customer thread and the internal notes
apart; the composer's note; assign to me; the workflow's transitions only; keyboard shortcuts;
no serious accessibility violation on the agent screens."""

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, Route, expect

from tests.console.conftest import Console, log_in, serious_violations
from tests.console.test_customer import png

NOTES = "Internal notes — not visible to the customer"


class Desk:
    """A customer with tickets and an agent, made through the API; every subject carries a
    word of its own (`token`) so a search finds this test's tickets only."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.token = f"zq{uuid.uuid4().hex[:8]}"
        self.customer = console.customer()
        self.agent = console.agent()
        self.as_customer = console.headers(self.customer)
        self.as_agent = console.headers(self.agent)

    def call(self, method: str, path: str, headers: dict[str, str], **body: Any) -> Any:
        answer = httpx.request(
            method, f"{self.console.base}/api{path}", headers=headers, json=body or None
        )
        assert answer.status_code < 300, answer.text
        return answer.json()

    def ticket(self, subject: str, category: str = "Damaged", *, mine: bool = False) -> str:
        created = self.call(
            "POST",
            "/support/tickets/create/",
            self.as_customer,
            subject=f"{subject} {self.token}",
            description="It arrived in a bad state.",
            category=category,
        )
        ticket_id: str = created["ticket"]["id"]
        if mine:
            self.call("POST", f"/support/tickets/{ticket_id}/assign-self/", self.as_agent)
        return ticket_id

    def prioritise(self, ticket_id: str, priority: str) -> None:
        admin = self.console.headers(self.console.admin)
        self.call("PUT", f"/support/tickets/{ticket_id}/update-status/", admin, priority=priority)

    def open_queue(self, page: Page) -> None:
        log_in(page, self.console, self.agent)
        expect(page.get_by_role("heading", name="Queue", level=1)).to_be_visible()
        page.get_by_label("Search").fill(self.token)
        page.get_by_role("button", name="Search").click()


def unfocus(page: Page) -> None:
    page.evaluate("() => document.activeElement.blur()")


def rows(page: Page) -> Any:
    return page.get_by_role("list", name="Tickets").get_by_role("listitem")


class TestTheQueue:
    def test_views_filters_search_and_sort(self, page: Page, console: Console) -> None:
        desk = Desk(console)
        desk.ticket("Lamp", mine=True)
        chair = desk.ticket("Chair", "Late")
        desk.ticket("Table")
        desk.prioritise(chair, "High")
        desk.open_queue(page)
        expect(rows(page)).to_have_count(3)

        page.get_by_role("button", name="Mine", exact=True).click()
        expect(page.get_by_role("button", name="Mine", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(rows(page)).to_have_count(1)
        expect(rows(page)).to_contain_text("Lamp")
        expect(rows(page)).to_contain_text("Yours")
        page.get_by_role("button", name="Unassigned", exact=True).click()
        expect(rows(page)).to_have_count(2)
        expect(rows(page).first).to_contain_text("Unassigned")

        page.get_by_role("button", name="Mine and unassigned").click()
        page.get_by_label("Status").select_option("In Progress")
        expect(rows(page)).to_have_count(1)
        expect(rows(page)).to_contain_text("Lamp")
        page.get_by_label("Status").select_option("")
        page.get_by_label("Category").select_option("Late")
        expect(rows(page)).to_have_count(1)
        expect(rows(page)).to_contain_text("Chair")
        page.get_by_label("Category").select_option("")

        expect(rows(page)).to_have_count(3)
        expect(rows(page).first).to_contain_text("Table")  # newest first by default
        page.get_by_label("Sort").select_option(label="Highest priority")
        expect(rows(page).first).to_contain_text("Chair")
        expect(rows(page).first).to_contain_text("Priority High")

        page.get_by_label("Search").fill(f"table {desk.token}")
        page.get_by_role("button", name="Search").click()
        expect(rows(page)).to_have_count(1)
        expect(rows(page).get_by_role("link")).to_have_text(f"Table {desk.token}")

    def test_show_more_reads_the_next_page(self, page: Page, console: Console) -> None:
        desk = Desk(console)
        for number in range(51):  # a page and one more
            desk.ticket(f"Parcel {number}")
        desk.open_queue(page)
        expect(rows(page)).to_have_count(50)
        page.get_by_role("button", name="Show more").click()
        expect(rows(page)).to_have_count(51)
        expect(page.get_by_role("button", name="Show more")).to_have_count(0)

    def test_each_row_says_its_sla_state_in_words(self, page: Page, console: Console) -> None:
        desk = Desk(console)
        late = desk.ticket("Late one")
        urgent = desk.ticket("Urgent one")
        desk.ticket("Calm one")
        # High: a first response within 60 minutes, inside the default at-risk window.
        desk.prioritise(urgent, "High")

        # A breach takes an hour to happen: the list's answer says one happened instead.
        def breached(route: Route) -> None:
            answer = route.fetch()
            body = answer.json()
            for ticket in body["tickets"]:
                if ticket["id"] == late:
                    ticket["sla"]["breached"] = ["first_response"]
            route.fulfill(response=answer, body=json.dumps(body))

        page.route(re.compile(r"/api/agent/tickets/\?"), breached)
        desk.open_queue(page)
        expect(rows(page)).to_have_count(3)
        by_subject = {
            subject: rows(page).filter(has_text=subject) for subject in ("Late", "Urgent", "Calm")
        }
        expect(by_subject["Late"]).to_contain_text("SLA: breached (first response)")
        expect(by_subject["Urgent"]).to_contain_text("SLA: at risk, due")
        expect(by_subject["Calm"]).to_contain_text(re.compile(r"SLA: due \d"))


class TestTheTicket:
    def test_notes_are_apart_from_the_thread_and_the_composer_adds_one(
        self, page: Page, console: Console, tmp_path: Path
    ) -> None:
        desk = Desk(console)
        ticket = desk.ticket("Broken vase", mine=True)
        path = f"/support/tickets/{ticket}"
        desk.call("POST", f"{path}/replies/", desk.as_customer, body="Any news?")
        log_in(page, console, desk.agent)
        page.goto(console.url(f"/agent/tickets/{ticket}"))

        thread = page.get_by_role("region", name="Conversation with the customer")
        notes = page.get_by_role("region", name=NOTES)
        expect(thread.get_by_role("list", name="Replies")).to_contain_text("Any news?")
        expect(notes).to_contain_text("No internal notes.")
        page.get_by_label("Reply to the customer").fill("A new one is on its way.")
        page.get_by_role("button", name="Send reply").click()
        expect(thread.get_by_role("list", name="Replies")).to_contain_text("on its way")
        expect(notes).to_contain_text("No internal notes.")

        page.get_by_role("radio", name="Internal note").check()
        page.get_by_label("Note for the team (not visible to the customer)").fill(
            "Courier admits the damage."
        )
        page.get_by_label("Attach files (optional)").set_input_files(png(tmp_path))
        expect(page.get_by_label("Who may see the files")).to_have_value("internal")
        page.get_by_role("button", name="Add internal note").click()

        note = notes.get_by_role("list", name="Internal notes")
        expect(note).to_contain_text("Courier admits the damage.")
        expect(note.get_by_role("list", name="Files of this note")).to_contain_text("internal")
        expect(thread).not_to_contain_text("Courier admits")
        expect(notes).not_to_contain_text("on its way")
        # The customer's own view of the ticket has neither the note nor its file.
        seen = httpx.get(f"{console.base}/api{path}/", headers=desk.as_customer).text
        files = httpx.get(f"{console.base}/api{path}/attachments/", headers=desk.as_customer)
        assert "Courier admits" not in seen
        assert files.json() == {"attachments": []}

    def test_assign_to_me_then_only_the_workflows_next_steps(
        self, page: Page, console: Console
    ) -> None:
        desk = Desk(console)
        ticket = desk.ticket("Scratched table")
        log_in(page, console, desk.agent)
        page.goto(console.url(f"/agent/tickets/{ticket}"))
        expect(page.get_by_text("Unassigned", exact=True)).to_be_visible()
        expect(page.get_by_label("Reply to the customer")).to_have_count(0)
        page.get_by_role("button", name="Assign to me").click()
        expect(page.get_by_text("Assigned to you", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Assign to me")).to_have_count(0)
        expect(page.get_by_label("Reply to the customer")).to_be_visible()

        status = page.get_by_label("Status")
        options = status.get_by_role("option")
        expect(options).to_have_text(["In Progress", "On Hold", "Resolved"])
        status.select_option("On Hold")
        page.get_by_label("Priority").select_option("High")
        page.get_by_role("button", name="Save").click()
        expect(options).to_have_text(["On Hold", "In Progress", "Resolved"])
        expect(page.locator(".meta").first).to_contain_text("Priority High")
        status.select_option("Resolved")
        page.get_by_role("button", name="Save").click()
        expect(options).to_have_text(["Resolved", "Closed", "In Progress"])
        status.select_option("Closed")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("This ticket is closed")).to_be_visible()
        expect(page.get_by_label("Status")).to_have_count(0)


class TestKeyboard:
    def test_j_k_help_reply_note_and_assign_from_the_keyboard(
        self, page: Page, console: Console
    ) -> None:
        desk = Desk(console)
        first = desk.ticket("First", mine=True)
        desk.ticket("Second")
        desk.open_queue(page)
        links = rows(page).get_by_role("link")
        expect(links).to_have_count(2)
        search = page.get_by_label("Search")
        search.press("j")  # typing: no shortcut
        expect(search).to_be_focused()
        expect(search).to_have_value(re.compile("j"))
        search.fill(desk.token)

        unfocus(page)
        page.keyboard.press("j")
        expect(links.nth(0)).to_be_focused()
        page.keyboard.press("j")
        expect(links.nth(1)).to_be_focused()
        page.keyboard.press("k")
        expect(links.nth(0)).to_be_focused()

        page.keyboard.press("?")
        help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
        expect(help_dialog).to_be_visible()
        expect(help_dialog).to_contain_text("Assign the ticket to me")
        page.keyboard.press("Escape")
        expect(help_dialog).to_be_hidden()

        page.keyboard.press("j")  # the focus came back to the first row: newest, "Second"
        expect(links.nth(1)).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name=f"First {desk.token}")).to_be_visible()
        assert page.url.endswith(f"/agent/tickets/{first}")
        page.keyboard.press("r")
        expect(page.get_by_label("Reply to the customer")).to_be_focused()
        page.keyboard.press("Escape")
        unfocus(page)
        page.keyboard.press("n")
        expect(page.get_by_label("Note for the team (not visible to the customer)")).to_be_focused()

        unfocus(page)
        page.keyboard.press("k")
        expect(page.get_by_role("heading", name=f"Second {desk.token}")).to_be_visible()
        expect(page.get_by_text("Unassigned", exact=True)).to_be_visible()
        page.keyboard.press("a")
        expect(page.get_by_text("Assigned to you", exact=True)).to_be_visible()


class TestAccessibility:
    def test_no_serious_violation_on_the_queue_the_ticket_and_the_help(
        self, page: Page, console: Console, tmp_path: Path
    ) -> None:
        desk = Desk(console)
        ticket = desk.ticket("Dented kettle", mine=True)
        desk.call(
            "POST", f"/support/tickets/{ticket}/add-note/", desk.as_agent, note="Checked stock."
        )
        desk.call("POST", f"/support/tickets/{ticket}/replies/", desk.as_agent, body="Sorry!")
        found: dict[str, object] = {}
        desk.open_queue(page)
        expect(rows(page)).to_have_count(1)
        found["queue"] = serious_violations(page)
        rows(page).get_by_role("link").click()
        expect(page.get_by_role("region", name=NOTES)).to_contain_text("Checked stock.")
        page.get_by_role("radio", name="Internal note").check()
        found["ticket"] = serious_violations(page)
        page.get_by_role("button", name="Keyboard shortcuts").click()
        expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
        found["help"] = serious_violations(page)
        assert all(not violations for violations in found.values()), found
