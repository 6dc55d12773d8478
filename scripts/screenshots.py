"""Screenshots of the console's main screens for the docs (docs/images/*.png, 1280x800).

    .venv/bin/python scripts/screenshots.py

Starts `python -m app serve` on a free port with a throw-away data directory (the embedded
database), fills it with `python -m app seed-demo` and a few tickets made through the API, and
drives Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium) through Playwright, as the
browser tests do. A screen whose route the console does not have yet is skipped with a note.
"""

import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
ADMIN = {"email": "admin@example.com", "password": "admin-password"}
PASSWORD = "password123"  # noqa: S105 - a throw-away server's accounts
DEMO_AGENT = {"email": "agent1@demo.example", "password": "demo-password"}
expect.set_options(timeout=20_000)  # a large first page on a busy machine
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(directory: Path) -> Iterator[str]:
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATA_DIR": str(directory / "data"),
        "ADMIN_EMAIL": ADMIN["email"],
        "ADMIN_PASSWORD": ADMIN["password"],
        "RATE_LIMIT_PER_USER": "0",
        "RATE_LIMIT_PER_ADDRESS": "0",
    }
    env.pop("MONGODB_URL", None)
    app = [sys.executable, "-m", "app"]
    seed = ["seed-demo", "--customers", "12", "--agents", "4", "--tickets", "240"]
    subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [*app, *seed],
        env=env,
        cwd=directory,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    port = free_port()
    log = (directory / "serve.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [*app, "serve", "--port", str(port)], env=env, cwd=directory, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/ready/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"The server did not start; see {directory / 'serve.log'}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def bearer(base: str, user: dict[str, str]) -> dict[str, str]:
    credentials = {"email": user["email"], "password": user["password"]}
    answer = httpx.post(f"{base}/api/auth/login/", json=credentials, timeout=10)
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def register(base: str, path: str, name: str, email: str) -> dict[str, str]:
    user = {"email": email, "password": PASSWORD}
    answer = httpx.post(f"{base}/api/{path}", json={**user, "name": name}, timeout=10)
    answer.raise_for_status()
    return {**user, "id": answer.json()["user"]["id"]}


def seed(base: str) -> tuple[dict[str, str], str]:
    """A customer with a ticket (a photo, an agent's reply) and two agents awaiting approval."""
    customer = register(base, "auth/register/", "Maya Lindqvist", "maya@example.com")
    mine = bearer(base, customer)
    body = {
        "subject": "Vase arrived broken",
        "description": "The box was crushed on one side and the vase inside is in pieces.",
        "category": "Damaged",
        "delivery_id": "DLV-482913",
    }
    created = httpx.post(f"{base}/api/support/tickets/create/", json=body, headers=mine)
    created.raise_for_status()
    ticket = f"{base}/api/support/tickets/{created.json()['ticket']['id']}"
    photo = io.BytesIO()
    Image.new("RGB", (320, 240), (190, 120, 80)).save(photo, format="PNG")
    files = {"file": ("vase.png", photo.getvalue(), "image/png")}
    httpx.post(f"{ticket}/attachments/", files=files, headers=mine).raise_for_status()
    agent = bearer(base, DEMO_AGENT)
    httpx.post(f"{ticket}/assign-self/", headers=agent).raise_for_status()
    reply = {"body": "Sorry about that. A replacement leaves our warehouse today."}
    httpx.post(f"{ticket}/replies/", json=reply, headers=agent).raise_for_status()
    for name, email in (("Omar Haddad", "omar@example.com"), ("Li Wei", "li@example.com")):
        register(base, "support/register-agent/", name, email)
    return customer, ticket.rsplit("/", 1)[1]


def log_in(page: Page, base: str, user: dict[str, str]) -> None:
    page.goto(f"{base}/app/#/login")
    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill(user["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def shoot(page: Page, base: str, routes: str, shot: tuple[str, str, str, str]) -> None:
    """shot: the route's pattern in routes.js, the route, the image's name, and a text the
    screen shows once its data is in."""
    pattern, route, name, ready = shot
    if f'path: "{pattern}"' not in routes:
        print(f"skipped {name}: the console has no route {pattern} yet")
        return
    page.goto(f"{base}/app/#{route}")
    expect(page.get_by_text(ready).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=IMAGES / f"{name}.png")
    print(f"saved docs/images/{name}.png")


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as scratch, served(Path(scratch)) as base:
        routes = httpx.get(f"{base}/app/js/routes.js").text
        customer, ticket_id = seed(base)
        ticket = (
            "/tickets/:id",
            f"/tickets/{ticket_id}",
            "customer-ticket",
            "A replacement leaves",
        )
        people = [
            (customer, [ticket]),
            (DEMO_AGENT, [("/agent/queue", "/agent/queue", "agent-queue", "Queue")]),
            (
                ADMIN,
                [
                    ("/admin/reports", "/admin/reports", "admin-reports", "Open at the end"),
                    ("/admin/agents", "/admin/agents", "admin-agents", "Omar Haddad"),
                    ("/admin/tickets", "/admin/tickets", "admin-tickets", "Reassign to"),
                ],
            ),
        ]
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for user, shots in people:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                log_in(page, base, user)
                for shot in shots:
                    shoot(page, base, routes, shot)
                context.close()
            browser.close()


if __name__ == "__main__":
    main()
