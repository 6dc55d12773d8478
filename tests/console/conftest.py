"""The console in a real browser: `python -m app serve` on a free port against the test
database (one process for the session), Debian's Chromium driven by Playwright (one browser for
a test module, a fresh context per test), users made through the API, and axe-core.

Chromium is CHROMIUM_PATH (default /usr/bin/chromium); `make test` installs it when missing.
Playwright's own browser download is never used."""

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from pymongo import MongoClient

from tests.core.serving import ADMIN, serving

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORD = "password123"
INBOUND_SECRET = "console-inbound-secret-5e1f"  # POST /api/inbound/email/ (issue 24)
BOUND = 10_000  # ms: a bound on what the page shows next, not a speed assertion
expect.set_options(timeout=BOUND)


@dataclass
class Console:
    """The served app: its base URL, and setup through the API (users, tickets)."""

    base: str
    # One login per user for the session (its access token outlives the suite): a login is an
    # argon2 hash, the costliest thing a test's setup asks of the served app.
    _tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def url(self, route: str = "/") -> str:
        return f"{self.base}/app/#{route}"

    def headers(self, user: dict[str, str]) -> dict[str, str]:
        credentials = {"email": user["email"], "password": user["password"]}
        key = (credentials["email"], credentials["password"])
        if key not in self._tokens:
            answer = httpx.post(f"{self.base}/api/auth/login/", json=credentials, timeout=10)
            assert answer.status_code == 200, answer.text
            self._tokens[key] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    def customer(self, name: str = "Cora Customer") -> dict[str, str]:
        """A new customer's credentials (email, password, name, id)."""
        user = {"email": f"c-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD}
        answer = httpx.post(
            f"{self.base}/api/auth/register/", json={**user, "name": name}, timeout=10
        )
        assert answer.status_code == 201, answer.text
        return {**user, "name": name, "id": answer.json()["user"]["id"]}

    def agent(self, name: str = "Ada Agent", *, approved: bool = True) -> dict[str, str]:
        """A new support agent, approved by the admin unless `approved=False`."""
        user = {"email": f"a-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD}
        answer = httpx.post(
            f"{self.base}/api/support/register-agent/", json={**user, "name": name}, timeout=10
        )
        assert answer.status_code == 201, answer.text
        agent_id = answer.json()["user"]["id"]
        if approved:
            approval = httpx.post(
                f"{self.base}/api/admin/approve-agent/{agent_id}/",
                headers=self.headers(ADMIN),
                timeout=10,
            )
            assert approval.status_code == 200, approval.text
        return {**user, "name": name, "id": agent_id}

    @property
    def admin(self) -> dict[str, str]:
        """The bootstrap admin's credentials (ADMIN_EMAIL/ADMIN_PASSWORD of the served app)."""
        return dict(ADMIN)


@pytest.fixture(scope="session")
def console(mongodb_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    database = f"test_{uuid.uuid4().hex[:16]}"
    try:
        with serving(
            tmp_path_factory.mktemp("console"),
            MONGODB_URL=mongodb_url,
            MONGODB_DB=database,
            ADMIN_EMAIL=ADMIN["email"],
            ADMIN_PASSWORD=ADMIN["password"],
            RATE_LIMIT_PER_USER="0",
            RATE_LIMIT_PER_ADDRESS="0",
            REGISTRATIONS_PER_HOUR="100000",
            EVENT_POLL_SECONDS="0.1",
            STREAM_HEARTBEAT_SECONDS="1",
            INBOUND_EMAIL_SECRET=INBOUND_SECRET,
        ) as served:
            yield Console(served.base)
    finally:
        with MongoClient(mongodb_url) as client:
            client.drop_database(database)


# Per module, not per session: Playwright's sync API holds an event loop in this thread while
# it runs, and the async tests of other modules need the thread's loop to themselves.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"No Chromium at {path}: the console's browser tests drive Debian's Chromium. "
            "Run `make test` (it installs the Debian package chromium with apt-get), or install "
            "Chromium and set CHROMIUM_PATH to it."
        )
    launched = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@dataclass
class Watched:
    """What a page said on its console: script errors and CSP violations fail the test. The
    browser's own line for an API answer of 4xx ("Failed to load resource") does not: the
    console expects those (no session to restore, a refused input) and shows them in words."""

    messages: list[str] = field(default_factory=list)

    def __call__(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or (
            message.type == "error" and not message.text.startswith("Failed to load resource")
        ):
            self.messages.append(message.text)


@pytest.fixture
def open_page(browser: Browser, console: Console) -> Iterator[Callable[[], Page]]:
    """A new page in a context of its own (its own cookies: another person), 360 px wide;
    call it again for a second person at the same time. Console errors (CSP violations
    included) fail the test at its end: an expected API error is shown, never only logged."""
    opened: list[tuple[BrowserContext, Watched]] = []

    def new_page() -> Page:
        context = browser.new_context(base_url=console.base, viewport={"width": 360, "height": 800})
        watched = Watched()
        opened.append((context, watched))
        fresh = context.new_page()
        fresh.on("console", watched)
        fresh.on("pageerror", lambda error: watched.messages.append(f"uncaught: {error}"))
        return fresh

    yield new_page
    for context, _ in opened:
        context.close()
    said = [message for _, watched in opened for message in watched.messages]
    assert not said, said


@pytest.fixture
def page(open_page: Callable[[], Page]) -> Page:
    return open_page()


def log_in(page: Page, console: Console, user: dict[str, str]) -> Page:
    """Through the login screen, as a person would; waits for the signed-in shell."""
    page.goto(console.url("/login"))
    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill(user["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    # The shell shows the session before the login screen sends the user home: a test that
    # goes somewhere next must not be sent home after it.
    expect(page).not_to_have_url(re.compile(r"#/login"))
    return page


@pytest.fixture
def customer_page(page: Page, console: Console) -> Page:
    """This test's page, logged in as a new customer."""
    return log_in(page, console, console.customer())


@pytest.fixture
def agent_page(page: Page, console: Console) -> Page:
    """This test's page, logged in as a new approved agent."""
    return log_in(page, console, console.agent())


@pytest.fixture
def admin_page(page: Page, console: Console) -> Page:
    """This test's page, logged in as the admin."""
    return log_in(page, console, console.admin)


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now. The script is
    evaluated through the driver, which the page's CSP does not govern."""
    if not page.evaluate("() => 'axe' in window"):
        page.evaluate(AXE.read_text())
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    # Readable at the page's width (360 px in these tests): nothing makes it scroll sideways.
    wider = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    if wider > 0:
        found.append({"id": "horizontal-scroll", "impact": "serious", "nodes": [f"+{wider}px"]})
    return found
