"""A customer works the console in a real browser: signs up, opens a ticket with a photo,
finds it, replies; API errors show next to their field; logging out ends the session; no
serious accessibility violation on any customer screen."""

import io
import re
from collections.abc import Callable
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import Page, expect

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
        tokens = customer_page.evaluate("() => document.cookie + localStorage.length + sessionStorage.length")
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
