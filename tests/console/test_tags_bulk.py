"""Issue 23 in the browser: tag chips with add and remove on the agent's ticket, chips and a
tag filter in the queue and the admin list, and multi-select bulk changes with per-ticket
results; no serious accessibility violation."""

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.console.conftest import Console, log_in, serious_violations
from tests.console.test_agent import Desk


def tag(desk: Desk, ticket_id: str, *tags: str) -> None:
    desk.call("POST", f"/support/tickets/{ticket_id}/tags/", desk.as_agent, add=list(tags))


def rows(page: Page) -> Any:
    """The list's rows (a row's tag chips are list items of a list of their own)."""
    return page.get_by_role("list", name="Tickets").locator("> li")


def detail(desk: Desk, ticket_id: str) -> Any:
    answer = httpx.get(
        f"{desk.console.base}/api/support/tickets/{ticket_id}/", headers=desk.as_agent
    )
    return answer.json()["ticket"]


class TestTags:
    def test_chips_add_and_remove_on_the_ticket(self, page: Page, console: Console) -> None:
        desk = Desk(console)
        ticket_id = desk.ticket("Vase", mine=True)
        log_in(page, console, desk.agent)
        page.goto(console.url(f"/agent/tickets/{ticket_id}"))
        page.get_by_label("Add tag").fill("VIP fragile")
        page.get_by_role("button", name="Add", exact=True).click()
        chips = page.get_by_role("list", name="Tags")
        expect(chips.get_by_role("listitem")).to_have_count(2)
        expect(chips).to_contain_text("vip")
        assert detail(desk, ticket_id)["tags"] == ["vip", "fragile"]
        page.get_by_role("button", name="Remove tag vip").click()
        expect(chips.get_by_role("listitem")).to_have_count(1)
        assert detail(desk, ticket_id)["tags"] == ["fragile"]
        page.get_by_label("Add tag").fill("not/valid")
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("lowercase letters")
        assert serious_violations(page) == []

    def test_queue_chips_and_tag_filter(self, page: Page, console: Console) -> None:
        desk = Desk(console)
        lamp = desk.ticket("Lamp", mine=True)
        desk.ticket("Chair", mine=True)
        tag(desk, lamp, "vip")
        desk.open_queue(page)
        expect(rows(page)).to_have_count(2)
        expect(rows(page).filter(has_text="Lamp").get_by_role("list", name="Tags")).to_have_text(
            "vip"
        )
        page.get_by_label("Tags (all of)").fill("vip")
        page.get_by_role("button", name="Filter by tag").click()
        expect(rows(page)).to_have_count(1)
        expect(rows(page)).to_contain_text("Lamp")

    def test_admin_list_tag_filter(self, page: Page, console: Console) -> None:
        desk = Desk(console)
        lamp = desk.ticket("Lamp", mine=True)
        desk.ticket("Chair", mine=True)
        tag(desk, lamp, "carrier-x")
        log_in(page, console, console.admin)
        page.goto(console.url("/admin/tickets"))
        page.get_by_label("Tags (all of)").fill("carrier-x")
        page.get_by_role("button", name="Filter by tag").click()
        listed = rows(page)
        expect(listed).to_have_count(1)
        expect(listed).to_contain_text(f"Lamp {desk.token}")
        assert serious_violations(page) == []


class TestBulk:
    def test_select_apply_and_see_each_result(self, page: Page, console: Console) -> None:
        desk = Desk(console)
        lamp = desk.ticket("Lamp", mine=True)
        chair = desk.ticket("Chair", mine=True)
        queued = desk.ticket("Table")  # in the queue, not the agent's: refused on its own
        desk.open_queue(page)
        expect(rows(page)).to_have_count(3)
        for subject in ("Lamp", "Chair", "Table"):
            page.get_by_role("checkbox", name=f"Select {subject} {desk.token}").check()
        page.get_by_label("Set status").select_option("On Hold")
        page.get_by_label("Add tag to selected").fill("waiting-carrier")
        page.get_by_label("Internal note").fill("Asked the carrier")
        page.get_by_role("button", name="Apply to 3 selected").click()
        results = page.get_by_role("list", name="Bulk results").get_by_role("listitem")
        expect(results).to_have_count(3)
        expect(results.filter(has_text="Lamp")).to_contain_text("changed")
        expect(results.filter(has_text="Table")).to_contain_text(
            "not changed: You can only update tickets assigned to you"
        )
        for ticket_id in (lamp, chair):
            ticket = detail(desk, ticket_id)
            assert (ticket["status"], ticket["tags"]) == ("On Hold", ["waiting-carrier"])
        assert detail(desk, queued)["status"] == "Open"
        # the failed one stays selected, to try again; the rows show the new tags
        expect(page.get_by_role("checkbox", name=f"Select Table {desk.token}")).to_be_checked()
        expect(rows(page).filter(has_text="Lamp")).to_contain_text("waiting-carrier")
        assert serious_violations(page) == []
