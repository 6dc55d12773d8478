"""Issue 13: the staff lists' filters, search and sorts, each combination against a brute-force
filter written here from the issue's words over generated tickets, paged through to the end."""

import asyncio
import random
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId

from app.core.db import Database
from app.tickets.documents import sort_keys
from tests.conftest import Clock
from tests.factories import Actor, Actors, a_ticket, create_ticket, store_tickets

SUBJECTS = [
    "Colis endommagé à la livraison",
    "DAMAGED box, item broken",
    "Lieferung verspätet",
    "Parcel lost in transit",
    "Wrong colour delivered",
    "Damage to the lid",
]
STATUSES = ["Open", "In Progress", "On Hold", "Resolved", "Closed"]
CATEGORIES = ["Damaged", "Lost", "Late", "Quality", "Other"]
PRIORITIES = ["High", "Medium", "Low"]
RANK = {"High": 3, "Medium": 2, "Low": 1}
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _words(text: str) -> list[str]:
    bare = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else " " for c in bare).split()


def _found(ticket: dict[str, Any], q: str) -> bool:
    words = _words(f"{ticket['subject']} {ticket['description']} {ticket.get('delivery_id') or ''}")
    return all(any(w == x or (len(x) >= 3 and w.startswith(x)) for w in words) for x in _words(q))


def _running(t: dict[str, Any]) -> list[datetime]:
    done = t["status"] in ("Resolved", "Closed")
    due = []
    if (
        t["first_response_due_at"]
        and t["first_response_at"] is None
        and "first_response" not in t["sla_breached"]
        and t["status"] != "Closed"
    ):
        due.append(t["first_response_due_at"])
    resolution_running = not done and not t["sla_paused_at"]
    if t["resolution_due_at"] and resolution_running and "resolution" not in t["sla_breached"]:
        due.append(t["resolution_due_at"])
    return due


def _sla(t: dict[str, Any], now: datetime) -> str:
    due = [d.replace(tzinfo=UTC) for d in _running(t)]
    if t["sla_breached"] or any(d <= now for d in due):
        return "breached"
    return "at_risk" if any(d < now + timedelta(hours=1) for d in due) else "ok"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def expected(
    tickets: list[dict[str, Any]], params: dict[str, str], scope: Any, now: datetime
) -> list[str]:
    def keep(t: dict[str, Any]) -> bool:
        checks = [scope(t)]
        if "status" in params:
            checks.append(t["status"] in params["status"].split(","))
        for field in ("category", "priority"):
            if field in params:
                checks.append(t[field] == params[field])
        for field in ("agent_id", "customer_id"):
            if field in params:
                checks.append(str(t[field]) == params[field])
        if params.get("unassigned") == "true":
            checks.append(t["agent_id"] is None)
        if "created_after" in params:
            checks.append(_utc(t["created_at"]) >= datetime.fromisoformat(params["created_after"]))
        if "created_before" in params:
            checks.append(_utc(t["created_at"]) < datetime.fromisoformat(params["created_before"]))
        if "updated_after" in params:
            checks.append(_utc(t["updated_at"]) >= datetime.fromisoformat(params["updated_after"]))
        if "sla" in params:
            checks.append(_sla(t, now) == params["sla"])
        if "q" in params:
            checks.append(_found(t, params["q"]))
        return all(checks)

    def order(t: dict[str, Any]) -> Any:
        created = (t["created_at"], t["_id"])
        match params.get("sort", "-created_at"):
            case "-created_at":
                return created
            case "-updated_at":
                return (t["updated_at"], t["_id"])
            case "-priority":
                return (RANK[t["priority"]], *created)
            case "due_at":
                due = min(_running(t), default=datetime.max.replace(tzinfo=UTC))
                return (due, *created)
        raise AssertionError(params)

    descending = params.get("sort", "-created_at").startswith("-")
    return [str(t["_id"]) for t in sorted(filter(keep, tickets), key=order, reverse=descending)]


async def every_page(
    client: httpx.AsyncClient, path: str, actor: Actor, params: dict[str, str]
) -> list[str]:
    ids: list[str] = []
    cursor = None
    for _ in range(100):
        query = {**params, "limit": "7", **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query, headers=actor.headers)
        assert response.status_code == 200, (params, response.text)
        body = response.json()
        ids += [t["id"] for t in body["tickets"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("more than 100 pages")


@pytest.fixture
async def generated(db: Database, actors: Actors, clock: Clock) -> list[dict[str, Any]]:
    rng = random.Random(13)
    tickets = []
    for n in range(90):
        created = START + timedelta(hours=rng.randint(0, 240), milliseconds=n)
        ticket = a_ticket(
            rng.choice([actors.customer, actors.other_customer]),
            status=rng.choice(STATUSES),
            agent=rng.choice([actors.agent, actors.other_agent, None]),
            subject=rng.choice(SUBJECTS),
            description=rng.choice(["Box crushed.", "Nothing arrived.", "Späte Ankunft!"]),
            category=rng.choice(CATEGORIES),
            priority=rng.choice(PRIORITIES),
            delivery_id=f"DLV-{n:04d}" if n % 3 == 0 else None,
            created_at=created,
            updated_at=created + timedelta(hours=rng.randint(0, 50)),
            sla=n % 10 != 0,
        )
        changes: dict[str, Any] = {}
        if n % 4 == 0:
            changes["first_response_at"] = created + timedelta(minutes=rng.randint(5, 600))
        if n % 7 == 0:
            changes["sla_breached"] = ["first_response"]
        if ticket["status"] == "On Hold" and n % 2:
            changes["sla_paused_at"] = created + timedelta(hours=1)
        if changes:
            ticket = {**ticket, **changes}  # type: ignore[typeddict-item]
            ticket |= sort_keys(ticket)
        tickets.append(ticket)
    await store_tickets(db, tickets)
    clock.set(START + timedelta(hours=130))
    return await db.tickets.find().to_list()


def admin_combinations(actors: Actors) -> list[dict[str, str]]:
    return [
        {},
        {"status": "Open"},
        {"status": "Open,In Progress"},
        {"status": "Resolved", "category": "Damaged"},
        {"priority": "High", "sort": "-updated_at"},
        {"agent_id": actors.agent.id, "status": "In Progress,On Hold"},
        {"customer_id": actors.customer.id, "priority": "Low"},
        {"unassigned": "true", "sort": "due_at"},
        {
            "created_after": "2026-03-05T00:00:00+00:00",
            "created_before": "2026-03-09T00:00:00+00:00",
        },
        {"updated_after": "2026-03-08T00:00:00+00:00", "sort": "-updated_at"},
        {"updated_after": "2026-03-08T00:00:00+00:00", "category": "Lost"},
        {"sla": "breached"},
        {"sla": "at_risk", "sort": "due_at"},
        {"sla": "ok", "priority": "Medium"},
        {"q": "damaged"},
        {"q": "DAM"},
        {"q": "endommage"},
        {"q": "livraison colis", "sort": "-priority"},
        {"q": "verspatet", "status": "Open,Resolved,Closed"},
        {"q": "dlv", "sort": "-updated_at"},
        {"q": "box", "agent_id": actors.other_agent.id, "sla": "breached"},
        {"sort": "-priority", "category": "Quality"},
        {"sort": "due_at"},
        {"sort": "due_at", "agent_id": actors.agent.id},
        {"unassigned": "true", "agent_id": actors.agent.id},
    ]


async def test_admin_list_is_exactly_the_matching_tickets(
    client: httpx.AsyncClient, actors: Actors, generated: list[dict[str, Any]], clock: Clock
) -> None:
    for params in admin_combinations(actors):
        got = await every_page(client, "/api/admin/support/tickets/", actors.admin, params)
        want = expected(generated, params, lambda t: True, clock.now)
        assert got == want, params
    assert any(
        expected(generated, p, lambda t: True, clock.now) for p in admin_combinations(actors)[10:]
    )


async def test_agent_search_and_filters_stay_in_scope(
    client: httpx.AsyncClient, actors: Actors, generated: list[dict[str, Any]], clock: Clock
) -> None:
    me = ObjectId(actors.agent.id)

    def in_scope(t: dict[str, Any]) -> bool:
        return t["agent_id"] in (me, None)

    for params in admin_combinations(actors):
        got = await every_page(client, "/api/agent/tickets/", actors.agent, params)
        assert got == expected(generated, params, in_scope, clock.now), params
        outside = {str(t["_id"]) for t in generated if not in_scope(t)}
        assert not outside & set(got)


async def test_customer_filters_their_own(
    client: httpx.AsyncClient, actors: Actors, generated: list[dict[str, Any]], clock: Clock
) -> None:
    mine = ObjectId(actors.customer.id)
    for params in (
        {},
        {"status": "Open"},
        {"q": "parcel"},
        {"q": "box", "status": "Resolved,Closed"},
    ):
        got = await every_page(client, "/api/support/tickets/", actors.customer, params)
        assert got == expected(generated, params, lambda t: t["customer_id"] == mine, clock.now)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "Pending"},
        {"sort": "oldest"},
        {"sla": "late"},
        {"q": "  ,; "},
        {"created_after": "soon"},
    ],
)
async def test_bad_filters_are_field_errors(
    client: httpx.AsyncClient, actors: Actors, params: dict[str, str]
) -> None:
    response = await client.get(
        "/api/admin/support/tickets/", params=params, headers=actors.admin.headers
    )
    assert response.status_code == 400
    assert set(response.json()) == set(params)


async def test_a_cursor_of_another_sort_is_refused(
    client: httpx.AsyncClient, actors: Actors, generated: list[dict[str, Any]]
) -> None:
    first = await client.get(
        "/api/admin/support/tickets/", params={"limit": 2}, headers=actors.admin.headers
    )
    cursor = first.json()["next_cursor"]
    response = await client.get(
        "/api/admin/support/tickets/",
        params={"sort": "due_at", "cursor": cursor},
        headers=actors.admin.headers,
    )
    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid cursor."]}


@pytest.mark.parametrize("sort", ["-created_at", "-updated_at", "due_at", "-priority"])
async def test_pages_stay_exact_under_concurrent_inserts(
    client: httpx.AsyncClient, actors: Actors, generated: list[dict[str, Any]], sort: str
) -> None:
    """Paging while customers keep creating tickets: every ticket that existed before is
    listed exactly once, whatever the sort."""
    before = {str(t["_id"]) for t in generated}
    seen: list[str] = []
    cursor = None

    async def page() -> dict[str, Any]:
        params = {"sort": sort, "limit": "9", **({"cursor": cursor} if cursor else {})}
        response = await client.get(
            "/api/admin/support/tickets/", params=params, headers=actors.admin.headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    for _ in range(40):
        body, *_ = await asyncio.wait_for(
            asyncio.gather(
                page(),
                *(create_ticket(client, actors.other_customer) for _ in range(3)),
            ),
            timeout=30,
        )
        seen += [t["id"] for t in body["tickets"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    old = [i for i in seen if i in before]
    assert len(old) == len(set(old)) == len(before)
    assert len(seen) == len(set(seen))
