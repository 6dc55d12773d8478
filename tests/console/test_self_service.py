"""Self-service by mail in a real browser: the survey page from the Resolved mail's link, and
sign-in by an e-mailed link, each mail read from a test SMTP server the served app sends to."""

import re
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect
from pymongo import MongoClient

from tests.console.conftest import BOUND, Console, serious_violations
from tests.core.serving import ADMIN, serving
from tests.mail.conftest import Sink, free_port

PUBLIC_URL = "https://help.example.com"


SMTP_PORT = free_port()


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    """The test SMTP server the served app sends to: what it received."""
    received = Sink()
    controller = Controller(received, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    try:
        yield received
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def console(
    mongodb_url: str, tmp_path_factory: pytest.TempPathFactory, sink: Sink
) -> Iterator[Console]:
    """The console, served with mail to the test SMTP server (links on PUBLIC_URL)."""
    database = f"test_{uuid.uuid4().hex[:16]}"
    try:
        with serving(
            tmp_path_factory.mktemp("self-service"),
            MONGODB_URL=mongodb_url,
            MONGODB_DB=database,
            ADMIN_EMAIL=ADMIN["email"],
            ADMIN_PASSWORD=ADMIN["password"],
            RATE_LIMIT_PER_USER="0",
            RATE_LIMIT_PER_ADDRESS="0",
            REGISTRATIONS_PER_HOUR="100000",
            SMTP_URL=f"smtp://127.0.0.1:{SMTP_PORT}",
            PUBLIC_URLS=PUBLIC_URL,
            MAIL_POLL_SECONDS="0.1",
        ) as served:
            yield Console(served.base)
    finally:
        with MongoClient(mongodb_url) as client:
            client.drop_database(database)


def link_in_mail(sink: Sink, to: str, pattern: str) -> str:
    """The first link matching `pattern` in a mail to `to`, waited for within BOUND."""
    deadline = time.monotonic() + BOUND / 1000
    while time.monotonic() < deadline:
        for message in sink.messages():
            text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            if to in message["To"] and (found := re.search(pattern, text)):
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no mail to {to} with {pattern}")


def opened(console: Console, link: str) -> str:
    """The mail's link, on the served console instead of PUBLIC_URL."""
    return link.replace(PUBLIC_URL, console.base)


def resolved_ticket(console: Console, customer: dict[str, str], subject: str) -> None:
    body = {"subject": subject, "description": "The lamp arrived broken", "category": "Damaged"}
    created = httpx.post(
        f"{console.base}/api/support/tickets/create/",
        json=body,
        headers=console.headers(customer),
        timeout=10,
    )
    ticket_id = created.json()["ticket"]["id"]
    agent = console.headers(console.agent())
    base = f"{console.base}/api/support/tickets/{ticket_id}"
    assert httpx.post(f"{base}/assign-self/", headers=agent, timeout=10).status_code == 200
    resolved = httpx.put(
        f"{base}/update-status/", json={"status": "Resolved"}, headers=agent, timeout=10
    )
    assert resolved.status_code == 200, resolved.text


class TestSurveyPage:
    def test_rating_from_the_link_in_the_resolved_mail(
        self, page: Page, console: Console, sink: Sink
    ) -> None:
        customer = console.customer()
        resolved_ticket(console, customer, "Broken lamp")
        link = link_in_mail(sink, customer["email"], r"https://\S+/app/#/survey/[\w-]+")
        page.goto(opened(console, link))
        expect(page.get_by_text("How did we do: “Broken lamp”")).to_be_visible()
        assert serious_violations(page) == []
        page.get_by_role("group", name="Your rating (5 is best)").get_by_label("4").check()
        page.get_by_label("Comment").fill("Quick and kind")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("status")).to_have_text("You rated it 4 of 5. Thank you!")

    def test_an_unknown_link_says_so(self, page: Page, console: Console) -> None:
        page.goto(console.url("/survey/no-such-token"))
        expect(page.get_by_role("alert")).to_have_text("Survey not found")


class TestSignInByLink:
    def test_the_mailed_link_signs_in(
        self, open_page: Callable[[], Page], console: Console, sink: Sink
    ) -> None:
        customer = console.customer()
        page = open_page()
        page.goto(console.url("/login"))
        page.get_by_label("Email").fill(customer["email"])
        page.get_by_role("button", name="Email me a sign-in link").click()
        expect(page.get_by_role("status")).to_have_text(
            "If the address is registered, a sign-in link is on its way"
        )
        link = link_in_mail(sink, customer["email"], r"https://\S+/app/#/login\?magic=[\w-]+")
        from_mail = open_page()  # the mail opens in a tab of its own
        from_mail.goto(opened(console, link))
        expect(from_mail.get_by_role("button", name="Log out")).to_be_visible()
        expect(from_mail.get_by_role("heading", name="My tickets")).to_be_visible()

    def test_a_used_link_is_refused(
        self, open_page: Callable[[], Page], console: Console, sink: Sink
    ) -> None:
        customer = console.customer()
        asked = httpx.post(
            f"{console.base}/api/auth/magic-link/", json={"email": customer["email"]}, timeout=10
        )
        assert asked.status_code == 202
        link = opened(console, link_in_mail(sink, customer["email"], r"https://\S+magic=[\w-]+"))
        token = link.rsplit("=", 1)[1]
        used = httpx.post(
            f"{console.base}/api/auth/magic-link/verify/", json={"token": token}, timeout=10
        )
        assert used.status_code == 200
        page = open_page()
        page.goto(link)
        expect(page.get_by_role("alert")).to_have_text(
            "This sign-in link is invalid, used or expired"
        )
