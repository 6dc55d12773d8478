"""Issue 23, macros in the console: an admin saves and deletes them on their own screen; on
an agent's ticket a Macros dialog previews what one will change, then applies it (with the
previewed ETag: a change made meanwhile is said, nothing applied) or cancels."""

from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.console.conftest import Console, log_in, serious_violations
from tests.console.test_agent import Desk


def save_macro(desk: Desk, title: str) -> None:
    desk.call(
        "POST",
        "/admin/macros/",
        desk.console.headers(desk.console.admin),
        title=title,
        reply="Hello {{ customer.name }}, it is on its way.",
        note="Checked by {{ agent.name }}",
        set_status="Resolved",
        add_tags=["refund"],
    )


def status(desk: Desk, ticket_id: str) -> str:
    found: str = desk.call("GET", f"/support/tickets/{ticket_id}/", desk.as_agent)["ticket"][
        "status"
    ]
    return found


def open_macros(page: Page, console: Console, ticket_id: str) -> Locator:
    page.goto(console.url(f"/agent/tickets/{ticket_id}"))
    page.get_by_role("button", name="Macros…").click()
    return page.get_by_role("dialog", name="Macros")


class TestAdminScreen:
    def test_admin_saves_lists_and_deletes_a_macro(
        self, admin_page: Page, console: Console
    ) -> None:
        page = admin_page
        page.goto(console.url("/admin/macros"))
        expect(page.get_by_role("heading", name="Macros", level=1)).to_be_visible()
        page.get_by_label("Title").fill("Close politely")
        page.get_by_label("Public reply").fill("Thanks {{ customer.email }}")
        page.get_by_label("Set status").select_option("Resolved")
        page.get_by_label("Add tags (comma separated)").fill("done, polite")
        page.get_by_role("button", name="Save macro").click()
        expect(page.locator("#field-reply-error")).to_contain_text("Only these variables")
        page.get_by_label("Public reply").fill("Thanks {{ customer.name }}")
        page.get_by_role("button", name="Save macro").click()
        macros = page.get_by_role("list", name="Macros")
        expect(macros).to_contain_text("set status to Resolved, add tags done, polite · reply")
        assert serious_violations(page) == []
        macros.get_by_role("button", name="Delete: Close politely").click()
        # (other tests of this worker may have left macros of their own)
        expect(macros.get_by_role("listitem").filter(has_text="Close politely")).to_have_count(0)


class TestTicketMenu:
    def test_preview_then_apply(self, open_page: Callable[[], Page], console: Console) -> None:
        desk = Desk(console)
        ticket_id = desk.ticket("Toaster late", mine=True)
        save_macro(desk, f"Sent {desk.token}")
        page = log_in(open_page(), console, desk.agent)
        dialog = open_macros(page, console, ticket_id)
        dialog.get_by_role("button", name=f"Sent {desk.token}").click()
        preview = page.get_by_role("region", name="Preview")
        expect(preview).to_contain_text("Will set status to Resolved, add tags refund.")
        expect(preview).to_contain_text("Hello Cora Customer, it is on its way.")
        expect(preview).to_contain_text("Checked by Ada Agent")
        assert serious_violations(page) == []
        assert status(desk, ticket_id) == "In Progress"  # nothing written by the preview
        preview.get_by_role("button", name="Apply").click()
        expect(page.get_by_role("dialog", name="Macros")).to_be_hidden()
        expect(page.get_by_role("list", name="Replies")).to_contain_text("Hello Cora Customer")
        expect(page.get_by_role("list", name="Internal notes")).to_contain_text("Checked by Ada")
        assert status(desk, ticket_id) == "Resolved"

    def test_cancel_and_a_change_meanwhile(
        self, open_page: Callable[[], Page], console: Console
    ) -> None:
        desk = Desk(console)
        ticket_id = desk.ticket("Kettle late", mine=True)
        save_macro(desk, f"Late {desk.token}")
        page = log_in(open_page(), console, desk.agent)
        dialog = open_macros(page, console, ticket_id)
        choose = dialog.get_by_role("button", name=f"Late {desk.token}")
        choose.click()
        page.get_by_role("region", name="Preview").get_by_role("button", name="Cancel").click()
        expect(page.get_by_role("region", name="Preview")).to_have_count(0)
        choose.click()
        desk.prioritise(ticket_id, "High")  # someone else changes the ticket after the preview
        page.get_by_role("region", name="Preview").get_by_role("button", name="Apply").click()
        expect(page.get_by_role("dialog", name="Macros").get_by_role("alert")).to_contain_text(
            "changed since you read it"
        )
        replies = desk.call("GET", f"/support/tickets/{ticket_id}/replies/", desk.as_agent)
        assert replies["replies"] == []
