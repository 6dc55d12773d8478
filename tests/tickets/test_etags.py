"""Issue 14, optimistic concurrency: ticket responses carry an ETag that every change bumps;
update-status, reassign and replies honour If-Match (412), detail If-None-Match (304)."""

import asyncio
from typing import Any

import httpx
import pytest

from app.tickets import policy
from app.tickets.documents import CUSTOMER_FIELDS
from app.tickets.schemas import TicketOut
from tests.factories import Actor, Actors, assign, create_ticket


async def test_etag_changes_with_every_change(client: httpx.AsyncClient, actors: Actors) -> None:
    ticket = (await create_ticket(client, actors.customer))["id"]
    url = f"/api/support/tickets/{ticket}/"
    first = (await client.get(url, headers=actors.admin.headers)).headers["etag"]
    await assign(client, ticket, actors.agent)
    second = (await client.get(url, headers=actors.admin.headers)).headers["etag"]
    await client.post(f"{url}add-note/", json={"note": "n"}, headers=actors.agent.headers)
    third = (await client.get(url, headers=actors.admin.headers)).headers["etag"]
    assert len({first, second, third}) == 3


async def test_if_none_match_is_304(client: httpx.AsyncClient, actors: Actors) -> None:
    ticket = (await create_ticket(client, actors.customer))["id"]
    url = f"/api/support/tickets/{ticket}/"
    tag = (await client.get(url, headers=actors.customer.headers)).headers["etag"]
    same = await client.get(url, headers={**actors.customer.headers, "If-None-Match": tag})
    assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", tag)
    await client.post(f"{url}replies/", json={"body": "hello"}, headers=actors.customer.headers)
    changed = await client.get(url, headers={**actors.customer.headers, "If-None-Match": tag})
    assert changed.status_code == 200


async def test_if_match_refuses_a_stale_write(client: httpx.AsyncClient, actors: Actors) -> None:
    ticket = (await create_ticket(client, actors.customer))["id"]
    url = f"/api/support/tickets/{ticket}/"
    await assign(client, ticket, actors.agent)
    tag = (await client.get(url, headers=actors.agent.headers)).headers["etag"]
    held = await client.put(
        f"{url}update-status/",
        json={"status": "On Hold"},
        headers={**actors.agent.headers, "If-Match": tag},
    )
    assert held.status_code == 200 and held.headers["etag"] != tag
    for method, path, body, who in (
        ("PUT", "update-status/", {"status": "In Progress"}, actors.agent),
        ("POST", "replies/", {"body": "late"}, actors.agent),
        ("POST", "reassign/", {"agent_id": actors.other_agent.id}, actors.admin),
    ):
        stale = await client.request(
            method, f"{url}{path}", json=body, headers={**who.headers, "If-Match": tag}
        )
        assert stale.status_code == 412, (path, stale.text)
        assert stale.json()["code"] == "precondition_failed"
    fresh = await client.put(
        f"{url}update-status/",
        json={"status": "In Progress"},
        headers={**actors.agent.headers, "If-Match": held.headers["etag"]},
    )
    assert fresh.status_code == 200


async def test_of_simultaneous_writes_with_one_etag_at_most_one_is_kept(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    ticket = (await create_ticket(client, actors.customer))["id"]
    url = f"/api/support/tickets/{ticket}/"
    await assign(client, ticket, actors.agent)
    tag = (await client.get(url, headers=actors.agent.headers)).headers["etag"]
    answers = await asyncio.wait_for(
        asyncio.gather(
            *(
                client.put(
                    f"{url}update-status/",
                    json={"priority": priority},
                    headers={**actors.agent.headers, "If-Match": tag},
                )
                for priority in ("High", "Low", "High", "Low", "High", "Low")
            )
        ),
        timeout=30,
    )
    assert sorted(a.status_code for a in answers).count(200) == 1, [a.text for a in answers]


async def upload(
    client: httpx.AsyncClient, ticket: str, who: Actor, visibility: str
) -> httpx.Response:
    return await client.post(
        f"/api/support/tickets/{ticket}/attachments/",
        files={"file": ("n.txt", b"notes", "text/plain")},
        data={"visibility": visibility},
        headers=who.headers,
    )


class TestCustomersEtagFollowsWhatTheySee:
    """Issue 20: a customer must not learn from the ETag that staff did something internal."""

    async def test_internal_changes_leave_the_customers_etag(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = (await create_ticket(client, actors.customer))["id"]
        url = f"/api/support/tickets/{ticket}/"
        await assign(client, ticket, actors.agent)
        mine = (await client.get(url, headers=actors.customer.headers)).headers["etag"]
        staffs = (await client.get(url, headers=actors.agent.headers)).headers["etag"]
        assert mine != staffs  # two views, two tags
        note = await client.post(
            f"{url}add-note/", json={"note": "n"}, headers=actors.agent.headers
        )
        assert note.status_code == 201
        assert (await upload(client, ticket, actors.agent, "internal")).status_code == 201
        after = await client.get(url, headers={**actors.customer.headers, "If-None-Match": mine})
        assert (after.status_code, after.headers["etag"]) == (304, mine)
        staff_after = (await client.get(url, headers=actors.agent.headers)).headers["etag"]
        assert staff_after != staffs

    async def test_what_the_customer_sees_changes_it(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = (await create_ticket(client, actors.customer))["id"]
        url = f"/api/support/tickets/{ticket}/"
        tags = [(await client.get(url, headers=actors.customer.headers)).headers["etag"]]
        await assign(client, ticket, actors.agent)  # agent_id and status
        tags.append((await client.get(url, headers=actors.customer.headers)).headers["etag"])
        await client.post(f"{url}replies/", json={"body": "hi"}, headers=actors.agent.headers)
        tags.append((await client.get(url, headers=actors.customer.headers)).headers["etag"])
        assert len(set(tags)) == 3

    async def test_customers_if_match_compares_with_their_own_etag(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = (await create_ticket(client, actors.customer))["id"]
        url = f"/api/support/tickets/{ticket}/"
        await assign(client, ticket, actors.agent)
        mine = (await client.get(url, headers=actors.customer.headers)).headers["etag"]
        await client.post(f"{url}add-note/", json={"note": "n"}, headers=actors.agent.headers)
        fresh = await client.post(
            f"{url}replies/",
            json={"body": "ok"},
            headers={**actors.customer.headers, "If-Match": mine},
        )
        assert fresh.status_code == 201, fresh.text
        stale = await client.post(
            f"{url}replies/",
            json={"body": "again"},
            headers={**actors.customer.headers, "If-Match": mine},
        )
        assert stale.status_code == 412
        staffs = (await client.get(url, headers=actors.agent.headers)).headers["etag"]
        as_customer = await client.post(
            f"{url}replies/",
            json={"body": "x"},
            headers={**actors.customer.headers, "If-Match": staffs},
        )
        assert as_customer.status_code == 412  # a staff tag names another view

    def test_every_field_of_the_customers_view_bumps_it(self) -> None:
        derived = {"id", "sla"}  # `_id`; sla is computed from the fields below
        shown = set(TicketOut.model_fields) - derived
        sla_sources = {"first_response_due_at", "resolution_due_at", "sla_paused_at"}
        assert shown | sla_sources <= CUSTOMER_FIELDS


class TestOrderOfChecks:
    """Authenticate, load, authorise, then If-Match: a caller who may not act is told so
    (403), whatever ETag they send; and the ticket policy is evaluated once."""

    async def test_forbidden_with_a_stale_if_match_is_403(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = (await create_ticket(client, actors.customer))["id"]
        url = f"/api/support/tickets/{ticket}/"
        await assign(client, ticket, actors.agent)
        stale = {**actors.other_agent.headers, "If-Match": '"1"'}
        for method, path, body in (
            ("POST", "replies/", {"body": "not mine"}),
            ("PUT", "update-status/", {"status": "On Hold"}),
        ):
            answer = await client.request(method, f"{url}{path}", json=body, headers=stale)
            assert answer.status_code == 403, (path, answer.text)

    async def test_the_ticket_policy_runs_once_per_request(
        self, client: httpx.AsyncClient, actors: Actors, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ticket = (await create_ticket(client, actors.customer))["id"]
        url = f"/api/support/tickets/{ticket}/"
        await assign(client, ticket, actors.agent)
        calls: list[str] = []
        for name in ("ensure_can_view", "ensure_can_work_on", "ensure_can_reply"):
            real = getattr(policy, name)

            def counted(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
                calls.append(_name)
                return _real(*args, **kw)

            monkeypatch.setattr(policy, name, counted)
        for method, path, body, expected in (
            ("GET", "", None, "ensure_can_view"),
            ("POST", "replies/", {"body": "hi"}, "ensure_can_reply"),
            ("PUT", "update-status/", {"status": "On Hold"}, "ensure_can_work_on"),
            ("POST", "add-note/", {"note": "n"}, "ensure_can_work_on"),
            ("GET", "events/", None, "ensure_can_view"),
            ("GET", "replies/", None, "ensure_can_view"),
        ):
            calls.clear()
            answer = await client.request(
                method, f"{url}{path}", json=body, headers=actors.agent.headers
            )
            assert answer.status_code < 300, (path, answer.text)
            assert calls == [expected], (path, calls)
