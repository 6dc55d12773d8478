"""Issue 15: a list page costs what the page needs. A scope's page is read in windows of its
sort key whose width is learned from the last page of that scope, the ranges of a union
(an agent's queue: their own tickets and the unassigned ones) are read together, and the
people a page names are read once per process."""

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.clock import utcnow
from app.core.config import Settings
from tests.conftest import Clock
from tests.factories import (
    Actor,
    a_ticket,
    create_ticket,
    make_actors,
    store_ticket,
    store_tickets,
)
from tests.system.conftest import CommandRecorder

Recorded = tuple[FastAPI, httpx.AsyncClient, CommandRecorder]


def _finds(recorder: CommandRecorder, collection: str) -> list[dict[str, Any]]:
    return [c for name, c in recorder.commands if name == "find" and c["find"] == collection]


async def _windows(db: Any, recorder: CommandRecorder, collection: str) -> list[int]:
    """How many documents each window the recorded request asked for holds."""
    return [await db[collection].count_documents(f["filter"]) for f in _finds(recorder, collection)]


async def _spread_tickets(
    db: Any, customer: Actor, count: int, *, every: timedelta, agent: Actor | None = None
) -> None:
    """`count` tickets of the customer, one each `every` back from now; with an agent, every
    other one assigned to them."""
    now = utcnow()
    for n in range(count):
        assignee = agent if n % 2 else None
        await store_ticket(db, customer, agent=assignee, created_at=now - every * n)


async def _page(client: httpx.AsyncClient, url: str, actor: Actor) -> list[str]:
    response = await client.get(url, headers=actor.headers)
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["tickets"]]


async def test_a_repeated_page_reads_one_window_per_range(
    recorded: Recorded, settings: Settings
) -> None:
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    # One ticket every 5 hours over 25 days, every other one assigned to the agent: a first
    # window of the default width holds about one of them.
    await _spread_tickets(db, actors.customer, 120, every=timedelta(hours=5), agent=actors.agent)
    for url, actor, ranges in (
        ("/api/support/tickets/?limit=10", actors.customer, 1),
        ("/api/agent/tickets/?limit=10", actors.agent, 2),  # theirs and the unassigned
        ("/api/admin/support/tickets/?limit=10", actors.admin, 1),
    ):
        first = await _page(client, url, actor)
        recorder.commands.clear()
        again = await _page(client, url, actor)
        assert again == first
        # one window per range, holding about the page together, not the scope
        windows = await _windows(db, recorder, "tickets")
        assert len(windows) == ranges and sum(windows) <= 2 * 11, windows


async def test_a_page_then_the_next_reads_about_a_page_each(
    recorded: Recorded, settings: Settings
) -> None:
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    await _spread_tickets(db, actors.customer, 60, every=timedelta(hours=3))
    await _page(client, "/api/support/tickets/?limit=10", actors.customer)
    cursor = None
    seen: list[str] = []
    for _ in range(5):
        recorder.commands.clear()
        query = "?limit=10" + (f"&cursor={cursor}" if cursor else "")
        response = await client.get(
            f"/api/support/tickets/{query}", headers=actors.customer.headers
        )
        body = response.json()
        seen += [t["id"] for t in body["tickets"]]
        cursor = body["next_cursor"]
        windows = await _windows(db, recorder, "tickets")
        assert len(windows) == 1 and windows[0] <= 2 * 11, windows
    assert len(seen) == len(set(seen)) == 50


async def test_the_people_a_page_names_are_read_once(
    recorded: Recorded, settings: Settings
) -> None:
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    for customer in (actors.customer, actors.other_customer):
        await store_ticket(db, customer, agent=actors.agent)
    url = "/api/admin/support/tickets/?limit=10"
    body = (await client.get(url, headers=actors.admin.headers)).json()
    names = {(t["customer_name"], t["agent_name"]) for t in body["tickets"]}
    assert names == {(actors.customer.name, actors.agent.name),
                     (actors.other_customer.name, actors.agent.name)}  # fmt: skip
    recorder.commands.clear()
    again = (await client.get(url, headers=actors.admin.headers)).json()
    assert again == body
    name_reads = [c for c in _finds(recorder, "users") if "$in" in str(c["filter"])]
    assert name_reads == []


async def test_a_thread_page_reads_about_a_page(
    recorded: Recorded, settings: Settings, clock: Clock
) -> None:
    application, client, recorder = recorded
    actors = await make_actors(application.state.db, settings)
    ticket = (await create_ticket(client, actors.customer))["id"]
    url = f"/api/support/tickets/{ticket}/replies/"
    for n in range(40):  # one every 10 minutes
        clock.advance(minutes=10)
        response = await client.post(
            url, json={"body": f"Reply {n}"}, headers=actors.customer.headers
        )
        assert response.status_code == 201, response.text
    pages: list[list[str]] = []
    for _ in range(2):
        recorder.commands.clear()
        body = (await client.get(f"{url}?limit=10", headers=actors.customer.headers)).json()
        pages.append([r["body"] for r in body["replies"]])
    assert pages[0] == pages[1] == [f"Reply {n}" for n in range(10)]
    windows = await _windows(application.state.db, recorder, "ticket_replies")
    assert len(windows) == 1 and windows[0] <= 2 * 11, windows


async def test_the_event_feed_reads_about_a_page(recorded: Recorded, settings: Settings) -> None:
    application, client, recorder = recorded
    actors = await make_actors(application.state.db, settings)
    for _ in range(40):  # an event each
        await create_ticket(client, actors.customer)
    pages = []
    for _ in range(2):
        recorder.commands.clear()
        response = await client.get("/api/events/?limit=10", headers=actors.admin.headers)
        pages.append([e["id"] for e in response.json()["events"]])
    assert pages[0] == pages[1] and len(pages[0]) == 10
    windows = await _windows(application.state.db, recorder, "events")
    assert len(windows) == 1 and windows[0] <= 2 * 11, windows


@pytest.mark.parametrize(
    "history",
    [
        "one a millisecond, a week ago",
        "one a millisecond, just now",
        "imported with one time",
    ],
)
async def test_a_burst_costs_a_page_once_its_scope_was_read(
    recorded: Recorded, settings: Settings, history: str
) -> None:
    """Issue 26: 300 tickets made in one burst (or with one time) put a whole scope inside any
    window of time; after one read of a page, the same page and the next cost about a page."""
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    newest = utcnow() - (timedelta(days=7) if "week" in history else timedelta(minutes=3))
    step = timedelta(0) if "one time" in history else timedelta(milliseconds=1)
    await store_tickets(
        db,
        [
            a_ticket(actors.customer, agent=actors.agent if n % 2 else None,
                     created_at=newest - step * n)
            for n in range(300)
        ],
    )  # fmt: skip
    for url, actor, ranges in (
        ("/api/support/tickets/?limit=10", actors.customer, 1),
        ("/api/agent/tickets/?limit=10", actors.agent, 2),  # theirs and the unassigned
        ("/api/admin/support/tickets/?limit=10", actors.admin, 1),
    ):
        first = await client.get(url, headers=actor.headers)
        cursor = first.json()["next_cursor"]
        for page in (url, f"{url}&cursor={cursor}"):
            before = await _page(client, page, actor)  # may read the burst whole, once
            recorder.commands.clear()
            assert await _page(client, page, actor) == before
            windows = await _windows(db, recorder, "tickets")
            assert len(windows) == ranges and sum(windows) <= 2 * 11, (page, windows)


async def test_simultaneous_first_reads_of_a_burst_read_it_once(
    recorded: Recorded, settings: Settings
) -> None:
    """A process that has just started, asked for the same page many times at once, reads
    the wide window that finds where the page ends once; the others wait for it."""
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    newest = utcnow() - timedelta(days=7)
    burst = [
        a_ticket(actors.customer, created_at=newest - timedelta(milliseconds=n)) for n in range(300)
    ]
    await store_tickets(db, burst)
    url = "/api/support/tickets/?limit=10"
    pages = await asyncio.gather(*(_page(client, url, actors.customer) for _ in range(6)))
    assert all(page == pages[0] for page in pages)
    windows = await _windows(db, recorder, "tickets")
    assert len([w for w in windows if w > 2 * 11]) == 1, windows


async def test_the_priority_ranks_are_read_in_turn(recorded: Recorded, settings: Settings) -> None:
    """A page by priority that the High tickets fill reads nothing of the lower ranks, however
    many tickets they hold (here a burst of Medium ones made just now)."""
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    now = utcnow()
    high = [
        a_ticket(actors.customer, priority="High", created_at=now - timedelta(hours=5 * n))
        for n in range(30)
    ]
    burst = [
        a_ticket(actors.customer, priority="Medium", created_at=now - timedelta(milliseconds=n))
        for n in range(300)
    ]
    await store_tickets(db, [*high, *burst])
    url = "/api/admin/support/tickets/?limit=10&sort=-priority"
    first = await _page(client, url, actors.admin)
    assert first == [str(t["_id"]) for t in high[:10]]
    recorder.commands.clear()
    assert await _page(client, url, actors.admin) == first
    windows = await _windows(db, recorder, "tickets")
    assert sum(windows) <= 2 * 11, windows


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("/api/support/tickets/?limit=10", "/api/support/tickets/?limit=25"),
        ("/api/support/tickets/?limit=10", "/api/support/tickets/?limit=10&status=Resolved"),
        ("/api/support/tickets/?limit=10", "/api/support/tickets/?limit=10&q=parcel"),
    ],
    ids=["another page size", "a filter", "a search"],
)
async def test_requests_on_one_index_remember_their_own_page_ends(
    recorded: Recorded, settings: Settings, one: str, other: str
) -> None:
    """Two requests read through one index (the customer's) whose pages end at different
    tickets of an import (one time for all), asked in turn: once each was read, each costs
    about its page, not the rest of the import (a window of time cannot split it)."""
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    imported = utcnow() - timedelta(days=7)
    await store_tickets(
        db,
        [
            a_ticket(actors.customer, created_at=imported, status="Resolved", subject="Parcel lost")
            if n % 2
            else a_ticket(actors.customer, created_at=imported)
            for n in range(300)
        ],
    )
    # each may read the import whole, once
    pages = {url: await _page(client, url, actors.customer) for url in (one, other)}
    for url in (one, other, one, other):
        recorder.commands.clear()
        assert await _page(client, url, actors.customer) == pages[url]
        windows = await _windows(db, recorder, "tickets")
        # one query down to where the page ended, however many the filter drops
        assert len(windows) == 1 and sum(windows) <= 2 * 26, (url, windows)


async def test_a_page_read_again_after_a_burst_reads_in_bounded_batches(
    recorded: Recorded, settings: Settings
) -> None:
    """Where a page ended is remembered with how much its window held: read again after 300
    tickets arrived above that end, the page reads in batches sized by that, not the whole
    window down to the old end."""
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    now = utcnow()
    await _spread_tickets(db, actors.customer, 30, every=timedelta(hours=1))
    url = "/api/support/tickets/?limit=10"
    await _page(client, url, actors.customer)
    burst = [
        a_ticket(actors.customer, created_at=now + timedelta(milliseconds=n)) for n in range(300)
    ]
    await store_tickets(db, burst)
    recorder.commands.clear()
    assert await _page(client, url, actors.customer) == [str(t["_id"]) for t in burst[::-1][:10]]
    # at most twice what the first read took (of the 30 tickets then), not the 300 since
    limits = [f.get("limit") for f in _finds(recorder, "tickets")]
    assert limits and all(limit and limit <= 2 * 30 for limit in limits), limits
