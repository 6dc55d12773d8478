"""The README's walkthrough runs as written, the documentation's links lead somewhere, and the
configuration page names every setting.

The walkthrough is every ```bash block of README.md, in order (other examples are ```sh). It
runs under `set -euo pipefail` against `python -m app serve` started the way the README says
(its `ADMIN_EMAIL=... ADMIN_PASSWORD=... make run` line), on the test database, with only
`BASE` pointed at the test's port."""

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from app.core.config import Settings
from tests.core.serving import serving

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```$", re.DOTALL | re.MULTILINE)
ADMIN_START = re.compile(r"^ADMIN_EMAIL=(\S+) ADMIN_PASSWORD=(\S+) make run$", re.MULTILINE)
# [text](target) and [text]: target; images alike. Code spans are removed first.
LINK = re.compile(r"\]\(([^)\s]+)\)|^\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```$", re.DOTALL | re.MULTILINE)
CODE = re.compile(FENCE.pattern + r"|`[^`\n]*`", re.DOTALL | re.MULTILINE)


def walkthrough(readme: str) -> str:
    blocks = BASH_BLOCK.findall(readme)
    assert blocks, "README.md has no ```bash block"
    return "\n".join(blocks)


@pytest.fixture
def served(mongodb_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`make run` as the README starts it (development mode, its admin), on the test
    database. Yields the API's base URL and the database's name."""
    found = ADMIN_START.search(README.read_text())
    assert found, "README.md does not show `ADMIN_EMAIL=... ADMIN_PASSWORD=... make run`"
    database = f"test_{uuid.uuid4().hex[:16]}"
    try:
        with serving(
            tmp_path,
            MONGODB_URL=mongodb_url,
            MONGODB_DB=database,
            ADMIN_EMAIL=found[1],
            ADMIN_PASSWORD=found[2],
            WEBHOOK_DELIVERER_IN_API="false",
            SLA_SWEEPER_IN_API="false",
        ) as server:
            yield f"{server.base}/api", database
    finally:
        with MongoClient(mongodb_url) as client:
            client.drop_database(database)


class TestWalkthrough:
    def test_runs_as_written_and_takes_a_ticket_through_the_reference_flow(
        self, served: tuple[str, str], tmp_path: Path
    ) -> None:
        base, _ = served
        script = "set -euo pipefail\n" + walkthrough(README.read_text())
        env = {k: v for k, v in os.environ.items() if k not in {"ADMIN_EMAIL", "ADMIN_PASSWORD"}}
        env["BASE"] = base
        ran = subprocess.run(
            ["bash", "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert ran.returncode == 0, f"stdout:\n{ran.stdout}\nstderr:\n{ran.stderr}"

        # What the commands did, read back through the API: the whole flow, not just no error.
        admin = ADMIN_START.search(README.read_text())
        assert admin
        login = {"email": admin[1], "password": admin[2]}
        token = httpx.post(f"{base}/auth/login/", json=login).json()["access_token"]
        staff = {"Authorization": f"Bearer {token}"}
        (ticket,) = httpx.get(f"{base}/admin/support/tickets/", headers=staff).json()["tickets"]
        assert (ticket["status"], ticket["priority"]) == ("Resolved", "High")
        assert ticket["agent_name"] == "Bob Agent"
        events = httpx.get(f"{base}/support/tickets/{ticket['id']}/events/", headers=staff)
        kinds = [event["type"] for event in events.json()["events"]]
        assert kinds[0] == "ticket.created" and kinds[-1] == "feedback.submitted", kinds
        assert {"ticket.assigned", "note.created", "ticket.status_changed"} <= set(kinds)
        assert "Resolved" in ran.stdout and "faqs" in ran.stdout


def anchors(markdown: str) -> set[str]:
    """The ids GitHub gives a page's headings: lower case, punctuation dropped, spaces to -."""
    headings = re.findall(r"^#+ (.+)$", FENCE.sub("", markdown), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def relative_links(markdown: str) -> list[str]:
    text = CODE.sub("", markdown)
    targets = [inline or reference for inline, reference in LINK.findall(text)]
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t) and t[0] != "#"]


class TestLinks:
    def test_every_relative_link_points_to_a_file_or_heading_in_the_repository(self) -> None:
        pages = [README, *sorted(DOCS.glob("*.md"))]
        assert len(pages) > 10, pages  # the docs pages exist
        broken = []
        for page in pages:
            for target in relative_links(page.read_text()):
                file, _, anchor = target.partition("#")
                path = (page.parent / file).resolve()
                if not path.is_relative_to(ROOT) or not path.exists():
                    broken.append(f"{page.relative_to(ROOT)}: {target}")
                elif anchor and (path.suffix != ".md" or anchor not in anchors(path.read_text())):
                    broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
        assert not broken, broken

    def test_the_readme_links_nowhere_outside_the_repository(self) -> None:
        text = CODE.sub("", README.read_text())
        assert not re.search(r"\]\((?:https?:|//)", text), "README.md links outside the repository"

    def test_the_link_check_sees_links(self) -> None:
        sample = "[a](docs/x.md) [b](https://e.org) [c](#top) `[d](no.md)`\n[e]: ../f.md"
        assert relative_links(sample) == ["docs/x.md", "../f.md"]
        assert anchors("# Lists, SLA and reports\n## The `make bench` run\n") == {
            "lists-sla-and-reports",
            "the-make-bench-run",
        }


class TestConfigurationPage:
    def test_names_every_setting(self) -> None:
        page = (DOCS / "configuration.md").read_text()
        missing = [
            name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in page
        ]
        assert not missing, missing
