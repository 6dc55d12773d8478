"""Issue 23 in the console: canned responses inserted with "::" in the composer, rendered for
the ticket; the canned responses screen; who else is on a ticket, and who is typing, live
between two people in two browsers at once."""

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.console.conftest import Console, log_in, serious_violations


def call(console: Console, method: str, path: str, headers: dict[str, str], **body: Any) -> Any:
    answer = httpx.request(method, f"{console.base}/api{path}", headers=headers, json=body or None)
    assert answer.status_code < 300, answer.text
    return answer.json()


def assigned_ticket(console: Console, agent: dict[str, str], subject: str) -> str:
    customer = console.customer("Cora Customer")
    created = call(
        console,
        "POST",
        "/support/tickets/create/",
        console.headers(customer),
        subject=subject,
        description="It arrived in a bad state.",
        category="Damaged",
    )
    ticket_id: str = created["ticket"]["id"]
    call(console, "POST", f"/support/tickets/{ticket_id}/assign-self/", console.headers(agent))
    return ticket_id


class TestCannedInTheComposer:
    def test_double_colon_lists_and_inserts_with_the_names_filled(
        self, page: Page, console: Console
    ) -> None:
        agent = console.agent("Ada Agent")
        shortcut = f"thx{uuid.uuid4().hex[:6]}"
        call(
            console,
            "POST",
            "/agent/canned-responses/",
            console.headers(agent),
            title="Thanks for waiting",
            body="Hello {{ customer.name }}, about {{ ticket.subject }}: {{ agent.name }}",
            shortcut=shortcut,
        )
        ticket_id = assigned_ticket(console, agent, "Broken lamp")
        log_in(page, console, agent)
        page.goto(console.url(f"/agent/tickets/{ticket_id}"))
        reply = page.get_by_label("Reply to the customer")
        reply.press_sequentially(f"Hi. ::{shortcut[:5]}")
        options = page.get_by_role("listbox", name="Canned responses").get_by_role("option")
        expect(options).to_have_count(1)
        expect(options.first).to_contain_text("Thanks for waiting")
        expect(options.first).to_have_attribute("aria-selected", "true")
        assert serious_violations(page) == []
        reply.press("Enter")
        expect(reply).to_have_value("Hi. Hello Cora Customer, about Broken lamp: Ada Agent")
        expect(page.get_by_role("listbox", name="Canned responses")).to_be_hidden()
        page.get_by_role("button", name="Send reply").click()
        thread = page.get_by_role("list", name="Replies")
        expect(thread).to_contain_text("Hello Cora Customer, about Broken lamp: Ada Agent")

    def test_nothing_matching_says_so_and_escape_closes(self, page: Page, console: Console) -> None:
        agent = console.agent()
        ticket_id = assigned_ticket(console, agent, "Late parcel")
        log_in(page, console, agent)
        page.goto(console.url(f"/agent/tickets/{ticket_id}"))
        reply = page.get_by_label("Reply to the customer")
        reply.press_sequentially("::zzzz")
        listbox = page.get_by_role("listbox", name="Canned responses")
        expect(listbox).to_contain_text("No canned response matches")
        reply.press("Escape")
        expect(listbox).to_be_hidden()
        expect(reply).to_have_value("::zzzz")


class TestCannedScreen:
    def test_an_agent_saves_lists_and_deletes_their_own(self, page: Page, console: Console) -> None:
        log_in(page, console, console.agent())
        page.get_by_role("link", name="Canned responses").click()
        expect(page.get_by_role("heading", name="Canned responses", level=1)).to_be_visible()
        page.get_by_label("Title").fill("Refund on its way")
        page.get_by_label("Text").fill("Dear {{ customer.email }}")
        page.get_by_role("button", name="Save canned response").click()
        expect(page.locator("#field-body-error")).to_contain_text("Only these variables")
        page.get_by_label("Text").fill("Dear {{ customer.name }}, the refund is on its way.")
        page.get_by_role("button", name="Save canned response").click()
        listed = page.get_by_role("list", name="Canned responses")
        expect(listed).to_contain_text("Refund on its way")
        assert serious_violations(page) == []
        page.get_by_role("button", name="Delete: Refund on its way").click()
        expect(page.get_by_text("Refund on its way")).to_have_count(0)


class TestPresence:
    def test_two_people_on_a_ticket_see_each_other_and_who_types(
        self, open_page: Callable[[], Page], console: Console
    ) -> None:
        agent = console.agent("Ada Agent")
        ticket_id = assigned_ticket(console, agent, "Crushed box")
        ada = log_in(open_page(), console, agent)
        boss = log_in(open_page(), console, console.admin)
        ada.goto(console.url(f"/agent/tickets/{ticket_id}"))
        expect(ada.get_by_role("heading", name="Crushed box")).to_be_visible()
        boss.goto(console.url(f"/agent/tickets/{ticket_id}"))
        expect(boss.get_by_role("status").filter(has_text="Also here")).to_have_text(
            "Also here: Ada Agent (viewing)"
        )
        also = ada.get_by_role("status").filter(has_text="Also here")
        expect(also).to_have_text(re.compile(r"^Also here: .+ \(viewing\)$"))
        boss.get_by_label("Reply to the customer").press_sequentially("We are on it")
        expect(also).to_have_text(re.compile(r"^Also here: .+ \(typing…\)$"))
        assert serious_violations(ada) == []
        boss.get_by_label("Reply to the customer").fill("")
        expect(also).to_have_text(re.compile(r"^Also here: .+ \(viewing\)$"))
        boss.goto(console.url("/admin/tickets"))  # leaving the ticket ends the presence
        expect(ada.get_by_text("Also here")).to_have_count(0)
