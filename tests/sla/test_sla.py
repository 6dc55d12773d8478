"""Issue 13, SLA: the policy endpoint, deadlines each ticket stores (24x7 and business time
across a weekend, a holiday and a DST change), On Hold, priority changes, reopening, and breach
events from the sweeper (the test drives the clock; it never waits for one)."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from app.core.db import Database
from app.sla.sweeper import sweep_once
from tests.conftest import Clock
from tests.factories import Actors, assign, create_ticket, set_status, ticket_events

PARIS = ZoneInfo("Europe/Paris")
PERIOD = timedelta(seconds=30)
WEEKDAYS_9_TO_6 = {
    d: [["09:00", "18:00"]] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")
}


def policy(
    first: int = 240, resolution: int = 1440, calendar: dict[str, Any] | None = None
) -> dict[str, Any]:
    targets = {"first_response_minutes": first, "resolution_minutes": resolution}
    body: dict[str, Any] = {"targets": {p: targets for p in ("High", "Medium", "Low")}}
    body["targets"]["High"] = {"first_response_minutes": 60, "resolution_minutes": 480}
    if calendar is not None:
        body["calendar"] = calendar
    return body


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def put_policy(client: httpx.AsyncClient, actors: Actors, body: dict[str, Any]) -> None:
    response = await client.put("/api/admin/sla-policy/", json=body, headers=actors.admin.headers)
    assert response.status_code == 200, response.text


async def sla_of(client: httpx.AsyncClient, actors: Actors, ticket_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/support/tickets/{ticket_id}/", headers=actors.admin.headers)
    assert response.status_code == 200, response.text
    sla: dict[str, Any] = response.json()["ticket"]["sla"]
    return sla


class TestPolicyEndpoint:
    async def test_defaults(self, client: httpx.AsyncClient, actors: Actors) -> None:
        body = (await client.get("/api/admin/sla-policy/", headers=actors.admin.headers)).json()
        assert body["targets"] == {
            "High": {"first_response_minutes": 60, "resolution_minutes": 480},
            "Medium": {"first_response_minutes": 240, "resolution_minutes": 1440},
            "Low": {"first_response_minutes": 480, "resolution_minutes": 4320},
        }
        assert body["calendar"] == {"timezone": "UTC", "hours": {}, "holidays": []}
        assert "re-prioritised" in body["applies_to"]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"calendar": {"timezone": "Mars/Olympus"}}, "timezone"),
            ({"calendar": {"hours": {"funday": [["09:00", "17:00"]]}}}, "hours"),
            ({"calendar": {"hours": {"monday": [["18:00", "09:00"]]}}}, "hours"),
            (
                {"calendar": {"hours": {"monday": [["09:00", "13:00"], ["12:00", "18:00"]]}}},
                "hours",
            ),
            ({"calendar": {"holidays": ["2026-02-30"]}}, "holidays"),
        ],
    )
    async def test_invalid_calendar_is_a_field_error(
        self, client: httpx.AsyncClient, actors: Actors, change: dict[str, Any], field: str
    ) -> None:
        response = await client.put(
            "/api/admin/sla-policy/", json={**policy(), **change}, headers=actors.admin.headers
        )
        assert response.status_code == 400, response.text
        assert [k for k in response.json() if k.startswith(f"calendar.{field}")], response.text

    async def test_first_response_cannot_exceed_resolution(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        response = await client.put(
            "/api/admin/sla-policy/",
            json=policy(first=600, resolution=60),
            headers=actors.admin.headers,
        )
        assert response.status_code == 400

    async def test_the_body_get_answers_edited_is_a_valid_put_body(
        self, client: httpx.AsyncClient, actors: Actors, clock: Clock
    ) -> None:
        url = "/api/admin/sla-policy/"
        body = (await client.get(url, headers=actors.admin.headers)).json()
        body["targets"]["Low"]["resolution_minutes"] = 5000
        body["updated_at"] = "2001-01-01T00:00:00Z"  # read-only: the server sets it
        body["applies_to"] = "anything"
        response = await client.put(url, json=body, headers=actors.admin.headers)
        assert response.status_code == 200, response.text
        kept = (await client.get(url, headers=actors.admin.headers)).json()
        assert kept["targets"]["Low"]["resolution_minutes"] == 5000
        assert kept["updated_at"] == z(clock.now)
        assert "re-prioritised" in kept["applies_to"]
        # and the round trip of what PUT itself answers
        again = await client.put(url, json=response.json()["policy"], headers=actors.admin.headers)
        assert again.status_code == 200, again.text

    async def test_unknown_fields_are_still_refused(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        response = await client.put(
            "/api/admin/sla-policy/",
            json={**policy(), "update_at": None},
            headers=actors.admin.headers,
        )
        assert (response.status_code, response.json()) == (400, {"update_at": ["Unknown field."]})

    async def test_change_applies_to_new_tickets_only(
        self, client: httpx.AsyncClient, actors: Actors, clock: Clock
    ) -> None:
        before = await create_ticket(client, actors.customer)
        await put_policy(client, actors, policy(first=30, resolution=120))
        after = await create_ticket(client, actors.customer)
        assert (await sla_of(client, actors, before["id"]))["first_response_due_at"] == z(
            clock.now + timedelta(hours=4)
        )
        assert (await sla_of(client, actors, after["id"]))["first_response_due_at"] == z(
            clock.now + timedelta(minutes=30)
        )


class TestDeadlines:
    async def test_around_the_clock(
        self, client: httpx.AsyncClient, actors: Actors, clock: Clock
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        assert await sla_of(client, actors, ticket["id"]) == {
            "first_response_due_at": z(clock.now + timedelta(hours=4)),
            "resolution_due_at": z(clock.now + timedelta(hours=24)),
            "breached": [],
            "paused": False,
        }

    @pytest.mark.parametrize(
        ("opened", "holidays", "due"),
        [
            # Friday 17:30 + 4 business hours of 09:00-18:00: Monday 12:30
            (
                datetime(2026, 3, 6, 17, 30, tzinfo=PARIS),
                [],
                datetime(2026, 3, 9, 12, 30, tzinfo=PARIS),
            ),
            # the same with Monday a holiday: Tuesday 12:30
            (
                datetime(2026, 3, 6, 17, 30, tzinfo=PARIS),
                ["2026-03-09"],
                datetime(2026, 3, 10, 12, 30, tzinfo=PARIS),
            ),
            # across the change to summer time (Sunday 29 March): still Monday 12:30, local
            (
                datetime(2026, 3, 27, 17, 30, tzinfo=PARIS),
                [],
                datetime(2026, 3, 30, 12, 30, tzinfo=PARIS),
            ),
        ],
    )
    async def test_business_hours(
        self,
        client: httpx.AsyncClient,
        actors: Actors,
        clock: Clock,
        opened: datetime,
        holidays: list[str],
        due: datetime,
    ) -> None:
        calendar = {"timezone": "Europe/Paris", "hours": WEEKDAYS_9_TO_6, "holidays": holidays}
        await put_policy(client, actors, policy(first=240, calendar=calendar))
        clock.set(opened)
        ticket = await create_ticket(client, actors.customer)
        assert (await sla_of(client, actors, ticket["id"]))["first_response_due_at"] == z(due)

    async def test_priority_change_recomputes_from_creation(
        self, client: httpx.AsyncClient, actors: Actors, clock: Clock
    ) -> None:
        created = clock.now
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        clock.advance(minutes=20)
        response = await set_status(
            client, ticket["id"], actors.agent, "In Progress", priority="High"
        )
        assert response.status_code == 200
        assert await sla_of(client, actors, ticket["id"]) == {
            "first_response_due_at": z(created + timedelta(hours=1)),
            "resolution_due_at": z(created + timedelta(hours=8)),
            "breached": [],
            "paused": False,
        }

    async def test_on_hold_pauses_the_resolution_clock(
        self, client: httpx.AsyncClient, actors: Actors, clock: Clock
    ) -> None:
        created = clock.now
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        clock.advance(hours=2)
        await set_status(client, ticket["id"], actors.agent, "On Hold")
        held = await sla_of(client, actors, ticket["id"])
        assert held["paused"] is True
        clock.advance(hours=30)  # past the deadline, but on hold: not breached
        assert (await sla_of(client, actors, ticket["id"]))["breached"] == ["first_response"]
        await set_status(client, ticket["id"], actors.agent, "In Progress")
        resumed = await sla_of(client, actors, ticket["id"])
        assert resumed["paused"] is False
        assert resumed["resolution_due_at"] == z(created + timedelta(hours=24 + 30))

    async def test_reopening_restarts_the_resolution_clock(
        self, client: httpx.AsyncClient, actors: Actors, clock: Clock
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        await set_status(client, ticket["id"], actors.agent, "Resolved")
        clock.advance(hours=40)
        reopened_at = clock.now
        await set_status(client, ticket["id"], actors.agent, "In Progress")
        sla = await sla_of(client, actors, ticket["id"])
        assert sla["resolution_due_at"] == z(reopened_at + timedelta(hours=24))

    async def test_customer_reply_reopens_with_a_new_clock(
        self, client: httpx.AsyncClient, actors: Actors, clock: Clock
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        await set_status(client, ticket["id"], actors.agent, "Resolved")
        clock.advance(hours=3)
        reply = await client.post(
            f"/api/support/tickets/{ticket['id']}/replies/",
            json={"body": "Still broken"},
            headers=actors.customer.headers,
        )
        assert reply.status_code == 201
        sla = await sla_of(client, actors, ticket["id"])
        assert sla["resolution_due_at"] == z(clock.now + timedelta(hours=24))


class TestBreaches:
    async def test_sweeper_records_each_breach_once_as_an_internal_event(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        clock.advance(hours=3, minutes=59)
        assert await sweep_once(db, owner="a", now=clock.now, period=PERIOD) == 0
        clock.advance(minutes=1, seconds=30)  # within the sweep period after the deadline
        assert await sweep_once(db, owner="a", now=clock.now, period=PERIOD) == 1
        assert await sweep_once(db, owner="a", now=clock.now, period=PERIOD) == 0  # idempotent
        events = await ticket_events(db, ticket["id"], "sla.first_response_breached")
        assert len(events) == 1
        assert events[0]["visibility"] == "internal"
        assert (await sla_of(client, actors, ticket["id"]))["breached"] == ["first_response"]
        feed = await client.get("/api/events/", headers=actors.customer.headers)
        assert "sla.first_response_breached" not in {e["type"] for e in feed.json()["events"]}
        clock.advance(hours=21)
        assert await sweep_once(db, owner="a", now=clock.now, period=PERIOD) == 1
        assert len(await ticket_events(db, ticket["id"], "sla.resolution_breached")) == 1

    async def test_concurrent_sweepers_record_once(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ids = [(await create_ticket(client, actors.customer))["id"] for _ in range(5)]
        clock.advance(hours=5)
        results = await asyncio.wait_for(
            asyncio.gather(
                *(sweep_once(db, owner=f"o{n}", now=clock.now, period=PERIOD) for n in range(6))
            ),
            timeout=30,
        )
        assert sorted(r for r in results if r is not None) == [5]  # one holds the lease
        for ticket_id in ids:
            assert len(await ticket_events(db, ticket_id, "sla.first_response_breached")) == 1
        # and the lease passes on once it has ended
        clock.advance(minutes=1, seconds=1)
        assert await sweep_once(db, owner="o-next", now=clock.now, period=PERIOD) == 0

    async def test_a_late_first_reply_records_the_breach_itself(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ticket = await create_ticket(client, actors.customer)
        await assign(client, ticket["id"], actors.agent)
        clock.advance(hours=5)
        replies = await asyncio.wait_for(
            asyncio.gather(
                *(
                    client.post(
                        f"/api/support/tickets/{ticket['id']}/replies/",
                        json={"body": f"Looking into it {n}"},
                        headers=actors.agent.headers,
                    )
                    for n in range(4)
                )
            ),
            timeout=30,
        )
        assert {r.status_code for r in replies} <= {201, 409}
        assert len(await ticket_events(db, ticket["id"], "sla.first_response_breached")) == 1
        assert await sweep_once(db, owner="a", now=clock.now, period=PERIOD) == 0
        sla = await sla_of(client, actors, ticket["id"])
        assert sla["breached"] == ["first_response"]


async def test_public_replies_are_searchable(
    client: httpx.AsyncClient, actors: Actors, clock: Clock
) -> None:
    ticket = await create_ticket(client, actors.customer)
    await client.post(
        f"/api/support/tickets/{ticket['id']}/replies/",
        json={"body": "The crystal Vase arrived in pieces"},
        headers=actors.customer.headers,
    )
    found = await client.get(
        "/api/support/tickets/", params={"q": "vas cryst"}, headers=actors.customer.headers
    )
    assert [t["id"] for t in found.json()["tickets"]] == [ticket["id"]]
