"""What the console lacked of the agent tools and self-service (issues 23 and 25), in the
browser by role and label: bulk "remove tags" (staff) and "assign to" (admins), editing canned
responses and macros (a template error said at its field), and FAQ suggestions kept to the
category the customer chose."""

from typing import Any

from playwright.sync_api import Page, expect

from tests.console.conftest import Console, log_in, serious_violations
from tests.console.test_agent import Desk


def rows(page: Page) -> Any:
    return page.get_by_role("list", name="Tickets").locator("> li")


def ticket_of(desk: Desk, ticket_id: str) -> Any:
    admin = desk.console.headers(desk.console.admin)
    return desk.call("GET", f"/support/tickets/{ticket_id}/", admin)["ticket"]


def results(page: Page) -> Any:
    return page.get_by_role("list", name="Bulk results").get_by_role("listitem")


class TestBulkAssignAndRemoveTags:
    def test_an_admin_assigns_two_tickets_to_an_agent(self, page: Page, console: Console) -> None:
        desk = Desk(console)
        lamp, chair = desk.ticket("Lamp"), desk.ticket("Chair", mine=True)
        bea = console.agent(f"Bea {desk.token}")
        log_in(page, console, console.admin)
        page.get_by_role("link", name="All tickets").click()
        page.get_by_label("Search").fill(desk.token)
        page.get_by_role("button", name="Search").click()
        expect(rows(page)).to_have_count(2)
        for subject in ("Lamp", "Chair"):
            page.get_by_role("checkbox", name=f"Select {subject} {desk.token}").check()
        page.get_by_label("Assign selected to").select_option(label=bea["name"])
        page.get_by_role("button", name="Apply to 2 selected").click()
        expect(results(page)).to_have_count(2)
        expect(results(page).filter(has_text="Lamp")).to_contain_text("changed")
        expect(results(page).filter(has_text="Chair")).to_contain_text("changed")
        for ticket_id in (lamp, chair):
            assert ticket_of(desk, ticket_id)["agent_id"] == bea["id"]
        expect(rows(page).filter(has_text=f"Agent: {bea['name']}")).to_have_count(2)
        assert serious_violations(page) == []

    def test_a_staff_member_removes_a_tag_and_may_not_assign(
        self, page: Page, console: Console
    ) -> None:
        desk = Desk(console)
        lamp, chair = desk.ticket("Lamp", mine=True), desk.ticket("Chair", mine=True)
        for ticket_id in (lamp, chair):
            tags = {"add": ["vip", "fragile"]}
            desk.call("POST", f"/support/tickets/{ticket_id}/tags/", desk.as_agent, **tags)
        desk.open_queue(page)
        expect(rows(page)).to_have_count(2)
        page.get_by_role("checkbox", name="Select all shown").check()
        expect(page.get_by_label("Assign selected to")).to_have_count(0)  # admins only
        page.get_by_label("Remove tag from selected").fill("vip")
        page.get_by_role("button", name="Apply to 2 selected").click()
        expect(results(page).filter(has_text="changed")).to_have_count(2)
        for ticket_id in (lamp, chair):
            assert ticket_of(desk, ticket_id)["tags"] == ["fragile"]
        expect(rows(page).get_by_role("list", name="Tags")).to_have_text(["fragile", "fragile"])
        assert serious_violations(page) == []
