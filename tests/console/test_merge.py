"""Issue 23, merge in the console: on an agent's ticket, a Merge dialog lists the customer's
other tickets the agent works on, merges the ones picked and says so; a merged ticket says
where it went, with a link, to the customer and to staff."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.console.conftest import Console, log_in, serious_violations
from tests.console.test_agent import Desk


def short(ticket_id: str) -> str:
    return f"#{ticket_id[-6:]}"


class TestMergeDialog:
    def test_agent_merges_a_duplicate_and_both_sides_show_it(
        self, open_page: Callable[[], Page], console: Console
    ) -> None:
        desk = Desk(console)
        target = desk.ticket("Kettle dented", mine=True)
        source = desk.ticket("Kettle lid cracked", mine=True)
        desk.ticket("Kettle not mine")  # in the queue, not the agent's: not offered
        desk.call(
            "POST", f"/support/tickets/{source}/replies/", desk.as_customer, body="Photo of lid"
        )
        page = log_in(open_page(), console, desk.agent)
        page.goto(console.url(f"/agent/tickets/{target}"))
        page.get_by_role("button", name="Merge…").click()
        dialog = page.get_by_role("dialog", name="Merge tickets into this one")
        pick = dialog.get_by_role("checkbox", name=f"{short(source)} Kettle lid cracked")
        expect(pick).to_be_visible()
        expect(dialog.get_by_role("checkbox")).to_have_count(1)
        assert serious_violations(page) == []
        pick.check()
        dialog.get_by_role("button", name="Merge into this ticket").click()
        expect(dialog.get_by_role("status")).to_have_text(
            f"Merged {short(source)} into this ticket."
        )
        dialog.get_by_role("button", name="Close").click()
        expect(page.get_by_role("list", name="Replies")).to_contain_text("Photo of lid")

        page.goto(console.url(f"/agent/tickets/{source}"))
        page.get_by_role("link", name=f"ticket {short(target)}").click()
        expect(page.get_by_role("heading", name=desk.token)).to_contain_text("Kettle dented")

        customer = log_in(open_page(), console, desk.customer)
        customer.goto(console.url(f"/tickets/{source}"))
        expect(customer.get_by_text("Merged into")).to_be_visible()
        assert serious_violations(customer) == []
        customer.get_by_role("link", name=f"ticket {short(target)}").click()
        expect(customer.get_by_role("list", name="Replies")).to_contain_text("Photo of lid")

    def test_a_refused_merge_is_said_in_the_dialog(
        self, open_page: Callable[[], Page], console: Console
    ) -> None:
        desk = Desk(console)
        target = desk.ticket("Mug chipped", mine=True)
        source = desk.ticket("Mug handle", mine=True)
        page = log_in(open_page(), console, desk.agent)
        page.goto(console.url(f"/agent/tickets/{target}"))
        page.get_by_role("button", name="Merge…").click()
        dialog = page.get_by_role("dialog", name="Merge tickets into this one")
        dialog.get_by_role("checkbox", name=f"{short(source)} Mug handle").check()
        admin = console.headers(console.admin)
        desk.call("PUT", f"/support/tickets/{source}/update-status/", admin, status="Resolved")
        desk.call("PUT", f"/support/tickets/{source}/update-status/", admin, status="Closed")
        dialog.get_by_role("button", name="Merge into this ticket").click()
        expect(dialog.get_by_role("alert")).to_contain_text("is closed and cannot be merged")
