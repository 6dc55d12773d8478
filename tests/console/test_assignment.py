"""Auto-assignment in the browser: the admin turns load balancing on in its screen, an agent
switches themselves available in the queue's header, and a customer's new ticket appears in
that agent's "Mine" view by itself (the stream's events reload it)."""

import re
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import Console, log_in, serious_violations


@pytest.fixture
def switched_off(console: Console) -> Iterator[None]:
    """The served app is shared by the console tests: auto-assignment ends off."""
    yield
    httpx.put(
        f"{console.base}/api/admin/assignment/",
        json={"mode": "off", "max_open_per_agent": 10, "match_categories": False},
        headers=console.headers(console.admin),
        timeout=10,
    ).raise_for_status()


def test_a_new_ticket_reaches_the_available_agent(
    console: Console, open_page: Callable[[], Page], switched_off: None
) -> None:
    admin = log_in(open_page(), console, console.admin)
    admin.get_by_role("link", name="Auto-assignment").click()
    expect(admin.get_by_role("heading", name="Auto-assignment", level=1)).to_be_visible()
    admin.get_by_label("Mode").select_option("load_balanced")
    admin.get_by_label("Most open tickets per agent").fill("0")
    admin.get_by_role("button", name="Save settings").click()
    expect(admin.locator("#field-max_open_per_agent-error")).to_contain_text("greater than")
    # High enough for what earlier tests left waiting on this shared server: it is handed out
    # to the first agent available, oldest first, before the new ticket.
    admin.get_by_label("Most open tickets per agent").fill("1000")
    admin.get_by_role("button", name="Save settings").click()
    expect(admin.get_by_role("status")).to_have_text("Saved.")
    assert serious_violations(admin) == []

    agent = log_in(open_page(), console, console.agent())
    switch = agent.get_by_role("checkbox", name="Available for new tickets")
    expect(switch).not_to_be_checked()
    switch.check()
    expect(switch).to_be_checked()
    legend = agent.locator("fieldset.availability legend")
    expect(legend).to_have_text(re.compile(r"Auto-assignment \(\d+ open\)"))
    group = agent.get_by_role("group", name=re.compile(r"^Auto-assignment \(\d+ open\)$"))
    expect(group).to_be_visible()
    agent.get_by_role("button", name="Mine", exact=True).click()
    assert serious_violations(agent) == []

    subject = f"Parcel crushed {uuid.uuid4().hex[:6]}"
    customer = console.customer()
    created = httpx.post(
        f"{console.base}/api/support/tickets/create/",
        json={"subject": subject, "description": "Box crushed", "category": "Damaged"},
        headers=console.headers(customer),
        timeout=10,
    )
    assert created.status_code == 201, created.text
    expect(agent.get_by_role("link", name=subject)).to_be_visible()
    expect(legend).not_to_have_text("Auto-assignment (0 open)")
