"""Issue 13, reports: every figure against values worked out by hand from the story below
(the clock driven through it), plus the CSV form and the agent's own figures."""

import csv
import io
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import Clock
from tests.factories import Actor, Actors, assign, create_ticket, set_status

PERIOD = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-04T00:00:00Z"}


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


async def reply(client: httpx.AsyncClient, ticket_id: str, actor: Actor, body: str) -> None:
    response = await client.post(
        f"/api/support/tickets/{ticket_id}/replies/", json={"body": body}, headers=actor.headers
    )
    assert response.status_code == 201, response.text


async def rate(client: httpx.AsyncClient, ticket_id: str, actor: Actor, rating: int) -> None:
    response = await client.post(
        f"/api/support/tickets/{ticket_id}/feedback/",
        json={"rating": rating},
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text


@pytest.fixture
async def story(client: httpx.AsyncClient, actors: Actors, clock: Clock) -> dict[str, str]:
    """A: answered in 1 h, resolved in 6 h, rated 5. B: made High, answered late (3 h),
    resolved late (23 h), rated 2. C: resolved, then reopened by the customer. D: unanswered.
    E: before the period, open. F: after it."""
    customer, agent, other = actors.customer, actors.agent, actors.other_agent
    ids: dict[str, str] = {}
    clock.set(at(1, 20))
    ids["E"] = (await create_ticket(client, customer))["id"]
    clock.set(at(2, 9))
    ids["A"] = (await create_ticket(client, customer))["id"]
    await assign(client, ids["A"], agent)
    clock.set(at(2, 10))
    await reply(client, ids["A"], agent, "On it")
    clock.set(at(2, 11))
    ids["B"] = (await create_ticket(client, customer))["id"]
    await assign(client, ids["B"], agent)
    assert (await set_status(client, ids["B"], agent, "In Progress", priority="High")).is_success
    clock.set(at(2, 12))
    ids["C"] = (await create_ticket(client, customer))["id"]
    await assign(client, ids["C"], other)
    clock.set(at(2, 13))
    assert (await set_status(client, ids["C"], other, "Resolved")).is_success
    clock.set(at(2, 14))
    await reply(client, ids["B"], agent, "Sorry for the wait")
    clock.set(at(2, 15))
    assert (await set_status(client, ids["A"], agent, "Resolved")).is_success
    clock.set(at(2, 16))
    await rate(client, ids["A"], customer, 5)
    clock.set(at(3, 8))
    await reply(client, ids["C"], customer, "It is still broken")
    clock.set(at(3, 9))
    ids["D"] = (await create_ticket(client, customer))["id"]
    clock.set(at(3, 10))
    assert (await set_status(client, ids["B"], agent, "Resolved")).is_success
    clock.set(at(3, 11))
    await rate(client, ids["B"], customer, 2)
    clock.set(at(4, 1))
    ids["F"] = (await create_ticket(client, customer))["id"]
    clock.set(at(4, 2))
    return ids


def figures(
    created: int, resolved: int, reopened: int, backlog: int, **rest: Any
) -> dict[str, Any]:
    return {"created": created, "resolved": resolved, "closed": 0, "reopened": reopened,
            "backlog": backlog, **rest}  # fmt: skip


NO_TIMES = {"count": 0, "median_minutes": None, "p90_minutes": None}
NO_CSAT = {
    "responses": 0,
    "average": None,
    "distribution": dict.fromkeys("12345", 0),
    "response_rate_percent": None,
}


async def overview(client: httpx.AsyncClient, actors: Actors, **params: str) -> dict[str, Any]:
    response = await client.get(
        "/api/admin/reports/overview/", params={**PERIOD, **params}, headers=actors.admin.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_totals(client: httpx.AsyncClient, actors: Actors, story: dict[str, str]) -> None:
    body = await overview(client, actors)
    assert body["from"] == "2026-03-02T00:00:00Z" and body["groups"] == []
    assert body["totals"] == figures(
        4,
        2,
        1,
        3,  # C (reopened), D, E
        first_response={"count": 2, "median_minutes": 120.0, "p90_minutes": 180.0},
        resolution={"count": 2, "median_minutes": 870.0, "p90_minutes": 1380.0},
        sla={
            "first_response_met_percent": 25.0,  # A of A, B, C, D
            "first_response_counted": 4,
            "resolution_met_percent": 50.0,  # A of A, B
            "resolution_counted": 2,
        },
        csat={
            "responses": 2,
            "average": 3.5,
            "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
            "response_rate_percent": None,  # answered / sent: no survey link was mailed
        },
    )


async def test_by_agent(client: httpx.AsyncClient, actors: Actors, story: dict[str, str]) -> None:
    groups = {g["key"]: g for g in (await overview(client, actors, group_by="agent"))["groups"]}
    assert set(groups) == {actors.agent.id, actors.other_agent.id, "unassigned"}
    mine = groups[actors.agent.id]
    assert (mine["created"], mine["resolved"], mine["reopened"], mine["backlog"]) == (2, 2, 0, 0)
    assert mine["csat"]["average"] == 3.5 and mine["label"] != actors.agent.id
    other = groups[actors.other_agent.id]
    assert (other["created"], other["resolved"], other["reopened"], other["backlog"]) == (
        1,
        0,
        1,
        1,
    )
    assert other["first_response"] == NO_TIMES and other["csat"] == NO_CSAT
    queue = groups["unassigned"]
    assert (queue["created"], queue["backlog"], queue["sla"]["first_response_met_percent"]) == (
        1,
        2,
        0.0,
    )


async def test_by_day(client: httpx.AsyncClient, actors: Actors, story: dict[str, str]) -> None:
    days = {g["key"]: g for g in (await overview(client, actors, group_by="day"))["groups"]}
    assert list(days) == ["2026-03-02", "2026-03-03"]
    first, second = days["2026-03-02"], days["2026-03-03"]
    assert (first["created"], first["resolved"], first["reopened"], first["backlog"]) == (
        3,
        1,
        0,
        3,
    )
    assert (second["created"], second["resolved"], second["reopened"], second["backlog"]) == (
        1,
        1,
        1,
        3,
    )
    assert first["csat"]["responses"] == 1 and second["csat"]["average"] == 2.0


async def test_by_priority(
    client: httpx.AsyncClient, actors: Actors, story: dict[str, str]
) -> None:
    groups = {g["key"]: g for g in (await overview(client, actors, group_by="priority"))["groups"]}
    assert groups["High"]["created"] == 1 and groups["High"]["sla"]["resolution_met_percent"] == 0.0
    assert groups["Medium"]["created"] == 3


@pytest.mark.parametrize(
    ("asked", "accept"),
    [({}, "text/csv"), ({"format": "csv"}, "application/json"), ({"format": "csv"}, "*/*")],
)
async def test_csv(
    client: httpx.AsyncClient,
    actors: Actors,
    story: dict[str, str],
    asked: dict[str, str],
    accept: str,
) -> None:
    response = await client.get(
        "/api/admin/reports/overview/",
        params={**PERIOD, "group_by": "category", **asked},
        headers={**actors.admin.headers, "Accept": accept},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["key"] for r in rows] == ["Damaged", "total"]
    assert rows[-1]["created"] == "4" and rows[-1]["csat_average"] == "3.5"
    assert rows[-1]["first_response_median_minutes"] == "120.0"


async def test_agent_stats(
    client: httpx.AsyncClient, actors: Actors, story: dict[str, str]
) -> None:
    response = await client.get("/api/agent/stats/", headers=actors.agent.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["agent_id"] == actors.agent.id
    week = body["last_7_days"]
    assert (week["created"], week["resolved"], week["backlog"]) == (2, 2, 0)
    assert week["csat"]["average"] == 3.5 and week["sla"]["first_response_met_percent"] == 50.0


async def test_format_json_is_json_whatever_accept_says(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    response = await client.get(
        "/api/admin/reports/overview/",
        params={**PERIOD, "format": "json"},
        headers={**actors.admin.headers, "Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.json()["totals"]["created"] == 0


async def test_an_unknown_format_is_a_field_error(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    response = await client.get(
        "/api/admin/reports/overview/",
        params={**PERIOD, "format": "xlsx"},
        headers=actors.admin.headers,
    )
    assert response.status_code == 400
    assert list(response.json()) == ["format"]


class TestCsatCountsTheResolutionsInThePeriod:
    """Responses and average are of the resolutions in the period, one rating each, whenever
    it was given: a reopening does not take back the rating of the resolution it undid
    (tests/reports/test_csat_snapshot.py has the rest)."""

    async def test_resolved_rated_then_reopened(
        self, client: httpx.AsyncClient, actors: Actors, clock: Clock
    ) -> None:
        customer, agent = actors.customer, actors.agent
        clock.set(at(2, 9))
        ticket = (await create_ticket(client, customer))["id"]
        await assign(client, ticket, agent)
        clock.set(at(2, 10))
        assert (await set_status(client, ticket, agent, "Resolved")).is_success
        clock.set(at(2, 11))
        await rate(client, ticket, customer, 4)
        clock.set(at(2, 12))
        await reply(client, ticket, customer, "It broke again")  # reopens it
        clock.set(at(3, 12))
        reopened = (await overview(client, actors))["totals"]
        assert (reopened["resolved"], reopened["reopened"], reopened["backlog"]) == (0, 1, 1)
        rated_4 = {
            "responses": 1,
            "average": 4.0,
            "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
            "response_rate_percent": None,  # no survey link was mailed
        }
        assert reopened["csat"] == rated_4  # the first resolution was rated
        clock.set(at(3, 13))
        assert (await set_status(client, ticket, agent, "Resolved")).is_success
        clock.set(at(3, 14))
        again = (await overview(client, actors))["totals"]
        assert (again["resolved"], again["reopened"], again["backlog"]) == (1, 1, 0)
        assert again["csat"] == rated_4  # the second one is not rated yet
        await rate(client, ticket, customer, 2)
        rated_twice = (await overview(client, actors))["totals"]["csat"]
        assert (rated_twice["responses"], rated_twice["average"]) == (2, 3.0)

    async def test_rated_the_day_after_counts_on_the_day_resolved(
        self, client: httpx.AsyncClient, actors: Actors, clock: Clock
    ) -> None:
        customer, agent = actors.customer, actors.agent
        clock.set(at(2, 9))
        ticket = (await create_ticket(client, customer))["id"]
        await assign(client, ticket, agent)
        clock.set(at(2, 23))
        assert (await set_status(client, ticket, agent, "Resolved")).is_success
        clock.set(at(3, 1))
        await rate(client, ticket, customer, 5)
        clock.set(at(4, 2))
        days = {g["key"]: g for g in (await overview(client, actors, group_by="day"))["groups"]}
        first, second = days["2026-03-02"], days["2026-03-03"]
        assert (first["resolved"], first["csat"]["responses"]) == (1, 1)
        assert first["csat"]["response_rate_percent"] is None  # no survey link was mailed
        assert (second["resolved"], second["csat"]) == (0, NO_CSAT)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-03-04T00:00:00Z", "to": "2026-03-02T00:00:00Z"},
        {"from": "2024-01-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"},
        {"group_by": "weather"},
        {"format": "xml"},
    ],
)
async def test_bad_periods(
    client: httpx.AsyncClient, actors: Actors, params: dict[str, str]
) -> None:
    response = await client.get(
        "/api/admin/reports/overview/", params=params, headers=actors.admin.headers
    )
    assert response.status_code == 400
