"""A customer works the console in a real browser: signs up, opens a ticket with a photo,
finds it, replies; API errors show next to their field; logging out ends the session; no
serious accessibility violation on any customer screen."""

import io
import re
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import Page, Route, expect

from tests.console.conftest import PASSWORD, Console, log_in, serious_violations


def png(tmp_path: Path) -> Path:
    path = tmp_path / "damage.png"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def new_ticket(page: Page, subject: str, photo: Path | None = None) -> None:
    page.get_by_role("link", name="New ticket").first.click()
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("What happened?").fill("The box was crushed and the vase broken.")
    page.get_by_label("Category").select_option("Damaged")
    page.get_by_label("Delivery id (optional)").fill("DLV-1234")
    if photo is not None:
        page.get_by_label("Photos (optional)").set_input_files(photo)
        expect(page.get_by_role("img", name=f"Preview of {photo.name}")).to_be_visible()
    page.get_by_role("button", name="Create ticket").click()
    expect(page.get_by_role("heading", name=subject)).to_be_visible()


class TestTheCustomerFlow:
    def test_sign_up_create_with_a_photo_find_open_and_reply(
        self, page: Page, console: Console, tmp_path: Path
    ) -> None:
        page.goto(console.url("/signup"))
        page.get_by_label("Name").fill("Nina Newcomer")
        page.get_by_label("Email").fill("nina-flow@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="My tickets")).to_be_visible()

        new_ticket(page, "Vase arrived broken", png(tmp_path))
        expect(page.get_by_role("img", name="damage.png")).to_be_visible()
        expect(page.get_by_role("list", name="Files on this ticket")).to_contain_text("damage.png")

        page.get_by_role("link", name="My tickets").click()
        page.get_by_label("Search").fill("vase")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="Vase arrived broken").click()

        page.get_by_label("Your reply").fill("Here is one more photo.")
        page.get_by_label("Attach files (optional)").set_input_files(png(tmp_path))
        page.get_by_role("button", name="Send reply").click()
        replies = page.get_by_role("list", name="Replies")
        expect(replies).to_contain_text("Here is one more photo.")
        expect(replies.get_by_role("img", name="damage.png")).to_be_visible()
        expect(page.get_by_role("list", name="Timeline")).to_contain_text("Reply by the customer")


class TestErrorsNextToTheirField:
    def test_an_empty_subject_is_refused_by_the_api_and_said_at_the_subject(
        self, customer_page: Page
    ) -> None:
        page = customer_page
        page.get_by_role("link", name="New ticket").first.click()
        page.get_by_label("What happened?").fill("Nothing arrived.")
        page.get_by_role("button", name="Create ticket").click()
        subject = page.get_by_label("Subject")
        expect(subject).to_have_attribute("aria-invalid", "true")
        error = page.locator("#field-subject-error")
        expect(error).to_be_visible()
        expect(subject).to_have_attribute("aria-describedby", re.compile("field-subject-error"))
        expect(page.get_by_role("alert")).to_contain_text("correct the marked fields")

    def test_wrong_credentials_are_said_at_the_login(self, page: Page, console: Console) -> None:
        log_in_page = page
        log_in_page.goto(console.url("/login"))
        log_in_page.get_by_label("Email").fill("nobody@example.com")
        log_in_page.get_by_label("Password").fill("wrong-password")
        log_in_page.get_by_role("button", name="Log in").click()
        expect(log_in_page.get_by_role("alert")).to_contain_text("Invalid credentials")


class TestSession:
    def test_a_reload_restores_the_session_from_the_cookie(
        self, customer_page: Page, console: Console
    ) -> None:
        customer_page.reload()
        expect(customer_page.get_by_role("button", name="Log out")).to_be_visible()
        tokens = customer_page.evaluate(
            "() => document.cookie + localStorage.length + sessionStorage.length"
        )
        assert tokens == "00"  # nothing readable by scripts: the refresh cookie is HttpOnly

    def test_logout_ends_the_session_and_the_cookie_no_longer_works(
        self, page: Page, console: Console
    ) -> None:
        log_in(page, console, console.customer())
        cookie = next(c for c in page.context.cookies() if c["name"] == "refresh_token")
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_role("button", name="Log in")).to_be_visible()
        page.reload()
        expect(page.get_by_role("button", name="Log in")).to_be_visible()
        expect(page.get_by_role("button", name="Log out")).to_have_count(0)
        # The old cookie, replayed by hand, is refused: the login ended on the server.
        again = httpx.post(
            f"{console.base}/api/auth/refresh/",
            json={"session": "cookie"},
            cookies={"refresh_token": cookie["value"]},
            headers={"Origin": console.base},
        )
        assert again.status_code == 401, again.text

    def test_an_expired_access_token_is_refreshed_once_and_the_request_retried(
        self, customer_page: Page, console: Console
    ) -> None:
        page = customer_page
        sent: list[str] = []  # the Authorization of each list request, in order
        refreshes: list[str] = []
        page.on("request", lambda r: "/api/auth/refresh" in r.url and refreshes.append(r.url))

        def first_one_expired(route: Route) -> None:
            sent.append(route.request.headers.get("authorization", ""))
            if len(sent) > 1:
                route.continue_()
                return
            expired = {"error": "Token has expired", "code": "token_expired"}
            route.fulfill(status=401, json=expired)

        page.route(
            lambda url: url.split("?")[0].endswith("/api/support/tickets/"), first_one_expired
        )
        menu = page.get_by_role("navigation", name="Main")
        menu.get_by_role("link", name="New ticket").click()
        menu.get_by_role("link", name="My tickets").click()
        expect(page.get_by_text("No tickets yet.")).to_be_visible()
        assert len(refreshes) == 1, refreshes
        # Retried with the new access token (the screen may read again after the session
        # changes: with the same new token).
        assert len(sent) >= 2 and sent[1] != sent[0] and set(sent[1:]) == {sent[1]}, sent
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

    def test_two_tabs_refreshing_at_once_both_keep_the_login(
        self, customer_page: Page, console: Console
    ) -> None:
        """A refresh token works once; the tabs of one browser share it. They take turns, so
        the second sends the cookie the first one's refresh set, and the login goes on."""
        second = customer_page.context.new_page()
        second.goto(console.url("/tickets"))
        expect(second.get_by_role("button", name="Log out")).to_be_visible()
        # Both tabs start their refresh at one agreed moment of the page clock, shared by tabs.
        at = customer_page.evaluate("Date.now() + 500")
        start = """(at) => { window.refreshed = import('/app/js/api.js').then((api) =>
            new Promise((go) => setTimeout(go, at - Date.now())).then(() => api.refresh())); }"""
        for tab in (customer_page, second):
            tab.evaluate(start, at)
        assert [tab.evaluate("window.refreshed") for tab in (customer_page, second)] == [True] * 2
        customer_page.reload()
        expect(customer_page.get_by_role("button", name="Log out")).to_be_visible()


def ticket_id(page: Page) -> str:
    found = re.search(r"#/tickets/([0-9a-f]{24})", page.url)
    assert found, page.url
    return found.group(1)


class TestNavigation:
    def test_a_screen_that_loads_after_the_person_went_on_is_not_shown(
        self, customer_page: Page
    ) -> None:
        page = customer_page
        held: list[Route] = []  # the new-ticket screen's code, answered only when we say
        page.route(re.compile(r"/js/customer/new-ticket\.js$"), lambda route: held.append(route))
        menu = page.get_by_role("navigation", name="Main")
        with page.expect_request(re.compile(r"/js/customer/new-ticket\.js$")):
            menu.get_by_role("link", name="New ticket").click()
        menu.get_by_role("link", name="My tickets").click()
        expect(page.get_by_text("No tickets yet.")).to_be_visible()
        held[0].continue_()
        # The page's own import of that code settles after the console's (the same module):
        page.evaluate("() => import('/app/js/customer/new-ticket.js')")
        expect(page.get_by_role("heading", name="My tickets", level=1)).to_be_visible()
        expect(page.get_by_text("No tickets yet.")).to_be_visible()
        expect(page.get_by_role("form", name="New ticket")).to_have_count(0)


class TestLiveUpdates:
    def test_the_open_ticket_and_my_tickets_follow_the_agent_without_a_reload(
        self, customer_page: Page, console: Console
    ) -> None:
        page = customer_page
        new_ticket(page, "Parcel never came")
        ticket = f"{console.base}/api/support/tickets/{ticket_id(page)}"
        agent = console.headers(console.agent())
        assert httpx.post(f"{ticket}/assign-self/", headers=agent).status_code == 200
        answer = httpx.post(f"{ticket}/replies/", headers=agent, json={"body": "On its way again."})
        assert answer.status_code == 201, answer.text
        expect(page.get_by_role("list", name="Replies")).to_contain_text("On its way again.")
        expect(page.get_by_role("list", name="Timeline")).to_contain_text("In Progress")

        page.get_by_role("link", name="My tickets").click()
        row = page.get_by_role("list", name="Tickets").get_by_role("listitem")
        expect(row).to_contain_text("In Progress")
        resolved = httpx.put(f"{ticket}/update-status/", headers=agent, json={"status": "Resolved"})
        assert resolved.status_code == 200, resolved.text
        expect(row).to_contain_text("Resolved")

        row.get_by_role("link", name="Parcel never came").click()
        page.get_by_role("radio", name="5").check()
        page.get_by_label("Comment (optional)").fill("Quick and kind.")
        page.get_by_role("button", name="Send feedback").click()
        expect(page.get_by_text("You rated this ticket 5 out of 5")).to_be_visible()


class TestReconnection:
    def test_a_lost_connection_reconnects_and_catches_up_on_what_it_missed(
        self, customer_page: Page, console: Console
    ) -> None:
        page = customer_page
        new_ticket(page, "Lost between depots")
        ticket = f"{console.base}/api/support/tickets/{ticket_id(page)}"
        expect(page.get_by_text("Live updates: live")).to_be_visible()
        page.context.set_offline(True)
        expect(page.get_by_text("Live updates: offline")).to_be_visible()
        agent = console.headers(console.agent())
        assert httpx.post(f"{ticket}/assign-self/", headers=agent).status_code == 200
        answer = httpx.post(f"{ticket}/replies/", headers=agent, json={"body": "Found it."})
        assert answer.status_code == 201, answer.text
        expect(page.get_by_text("Found it.")).to_have_count(0)

        # A new stream starts with what happens next: the reply comes from the catch-up.
        page.context.set_offline(False)
        expect(page.get_by_text("Live updates: live")).to_be_visible()
        expect(page.get_by_role("list", name="Replies")).to_contain_text("Found it.")


class TestAccessibility:
    def test_no_serious_violation_on_any_customer_screen(
        self, page: Page, console: Console, tmp_path: Path
    ) -> None:
        found: dict[str, object] = {}

        def check(screen: str) -> None:
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            found[screen] = serious_violations(page)

        for route in ("/login", "/signup", "/faq"):
            page.goto(console.url(route))
            check(route)
        log_in(page, console, console.customer())
        check("my tickets, empty")
        page.get_by_role("link", name="New ticket").first.click()
        page.get_by_role("button", name="Create ticket").click()
        expect(page.locator("#field-subject-error")).to_be_visible()
        check("new ticket with errors")
        page.get_by_label("Photos (optional)").set_input_files(png(tmp_path))
        check("new ticket with a preview")
        page.get_by_label("Subject").fill("Wrong colour")
        page.get_by_label("What happened?").fill("It is green, not blue.")
        page.get_by_role("button", name="Create ticket").click()
        expect(page.get_by_role("heading", name="Wrong colour")).to_be_visible()
        check("ticket")
        page.get_by_role("link", name="My tickets").click()
        expect(page.get_by_role("list", name="Tickets")).to_be_visible()
        check("my tickets")
        assert all(not violations for violations in found.values()), found

    def test_the_check_finds_a_violation_when_there_is_one(
        self, page: Page, console: Console
    ) -> None:
        page.goto(console.url("/login"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.evaluate(
            "() => document.querySelector('main').append(document.createElement('input'))"
        )
        assert "label" in {violation["id"] for violation in serious_violations(page)}

    def test_the_check_finds_a_page_wider_than_the_screen(
        self, page: Page, console: Console
    ) -> None:
        page.goto(console.url("/login"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert not serious_violations(page)
        page.evaluate(
            "() => { const wide = document.createElement('pre');"
            " wide.textContent = 'x'.repeat(200); document.querySelector('main').append(wide); }"
        )
        assert "horizontal-scroll" in {v["id"] for v in serious_violations(page)}
