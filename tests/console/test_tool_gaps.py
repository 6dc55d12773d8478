"""What the console lacked of the agent tools and self-service (issues 23 and 25), in the
browser by role and label: bulk "remove tags" (staff) and "assign to" (admins), editing canned
responses and macros (a template error said at its field), and FAQ suggestions kept to the
category the customer chose."""

import uuid
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


class TestEditingCannedResponses:
    def test_edit_fills_the_form_says_a_template_error_and_saves(
        self, page: Page, console: Console
    ) -> None:
        desk = Desk(console)
        body = {"title": "Refund", "body": "Dear {{ customer.name }}", "shortcut": "refund"}
        made = desk.call("POST", "/agent/canned-responses/", desk.as_agent, **body)
        log_in(page, console, desk.agent)
        page.get_by_role("link", name="Canned responses").click()
        page.get_by_role("button", name="Edit: Refund").click()
        form = page.get_by_role("form", name="Edit canned response")
        expect(form.get_by_label("Title")).to_be_focused()
        expect(form.get_by_label("Title")).to_have_value("Refund")
        expect(form.get_by_label("Shortcut (optional, after :: in the composer)")).to_have_value(
            "refund"
        )
        form.get_by_label("Text").fill("Dear {{ customer.name")
        form.get_by_role("button", name="Save canned response").click()
        expect(form.get_by_label("Text")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#field-body-error")).to_contain_text("The template does not parse")
        assert serious_violations(page) == []
        form.get_by_label("Title").fill("Refund sent")
        form.get_by_label("Text").fill("Dear {{ customer.name }}, the refund is sent.")
        form.get_by_role("button", name="Save canned response").click()
        listed = page.get_by_role("list", name="Canned responses").get_by_role("listitem")
        expect(listed.filter(has_text="Refund")).to_have_count(1)
        expect(listed).to_contain_text("Refund sent (::refund)")
        expect(listed).to_contain_text("the refund is sent.")
        expect(page.get_by_role("form", name="New canned response")).to_be_visible()
        listed_by_api = desk.call("GET", "/agent/canned-responses/", desk.as_agent)
        saved = [c for c in listed_by_api["canned_responses"] if not c["shared"]]
        assert [(c["id"], c["title"]) for c in saved] == [
            (made["canned_response"]["id"], "Refund sent")
        ]


class TestEditingMacros:
    def test_edit_fills_the_form_says_a_template_error_and_saves(
        self, admin_page: Page, console: Console
    ) -> None:
        page, title = admin_page, f"Carrier {uuid.uuid4().hex[:6]}"
        admin = console.headers(console.admin)
        desk = Desk(console)
        macro = {"title": title, "note": "Asked the carrier", "add_tags": ["carrier", "late"]}
        made = desk.call("POST", "/admin/macros/", admin, **macro)["macro"]
        page.goto(console.url("/admin/macros"))
        page.get_by_role("button", name=f"Edit: {title}").click()
        form = page.get_by_role("form", name="Edit macro")
        expect(form.get_by_label("Title")).to_have_value(title)
        expect(form.get_by_label("Internal note")).to_have_value("Asked the carrier")
        expect(form.get_by_label("Add tags (comma separated)")).to_have_value("carrier, late")
        form.get_by_label("Internal note").fill("Asked by {{ agent.name")
        form.get_by_role("button", name="Save macro").click()
        expect(form.get_by_label("Internal note")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#field-note-error")).to_contain_text("The template does not parse")
        assert serious_violations(page) == []
        form.get_by_label("Internal note").fill("Asked by {{ agent.name }}")
        form.get_by_label("Set status").select_option("On Hold")
        form.get_by_label("Add tags (comma separated)").fill("carrier")
        form.get_by_role("button", name="Save macro").click()
        mine = (
            page.get_by_role("list", name="Macros").get_by_role("listitem").filter(has_text=title)
        )
        expect(mine).to_contain_text("set status to On Hold, add tags carrier · note")
        expect(page.get_by_role("form", name="New macro")).to_be_visible()
        listed = desk.call("GET", "/admin/macros/", admin)["macros"]
        saved = [m for m in listed if m["title"] == title]
        assert [(m["id"], m["note"], m["set_status"], m["add_tags"]) for m in saved] == [
            (made["id"], "Asked by {{ agent.name }}", "On Hold", ["carrier"])
        ]


class TestSuggestionsOfTheChosenCategory:
    def test_the_default_category_filters_nothing_a_chosen_one_does(
        self, page: Page, console: Console
    ) -> None:
        late = "My delivery is late. Can I find out when it will arrive?"
        log_in(page, console, console.customer())
        page.get_by_role("link", name="New ticket").first.click()
        page.get_by_label("Subject").fill("My delivery is late")
        suggestions = page.get_by_role("region", name="Suggested answers")
        # Damaged is the form's default, not the customer's choice: a Late answer shows
        expect(suggestions.get_by_text(late)).to_be_visible()
        page.get_by_label("Category").select_option("Lost")
        expect(page.get_by_text(late)).to_have_count(0)
        page.get_by_label("Category").select_option("Late")
        expect(suggestions.get_by_text(late)).to_be_visible()
        assert serious_violations(page) == []
