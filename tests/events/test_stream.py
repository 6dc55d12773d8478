"""The live stream over real HTTP: a uvicorn server in the test's event loop (httpx's ASGI
transport buffers whole responses, which an endless stream never ends). Every wait is bounded."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI

from tests.conftest import AppFactory
from tests.factories import Actor, create_ticket, login, make_actors
from tests.live import BOUND, served


class Stream:
    """Reads SSE messages from an open response."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def next(self) -> dict[str, Any]:
        message: dict[str, Any] = {}
        async with asyncio.timeout(BOUND):
            async for line in self.lines:
                if line == "":
                    if message:
                        return message
                    continue
                field, _, value = line.partition(":")
                message.setdefault(field or "comment", value.strip())
        raise EOFError

    async def next_event(self) -> dict[str, Any]:
        while "event" not in (message := await self.next()):
            pass
        return message


@pytest.fixture
async def live(app_with: AppFactory) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, Any]]:
    application, _ = await app_with(
        event_poll_seconds=0.05, stream_heartbeat_seconds=0.3, stream_max_seconds=BOUND * 3
    )
    actors = await make_actors(application.state.db, application.state.settings)
    async with served(application) as client:
        yield application, client, actors


def stream(client: httpx.AsyncClient, actor: Actor | None, **params: Any) -> Any:
    headers = actor.headers if actor else {}
    headers = {**headers, **params.pop("headers", {})}
    return client.stream("GET", "/api/events/stream/", headers=headers, params=params)


async def test_new_ticket_reaches_a_connected_stream_and_no_one_elses(live: Any) -> None:
    _, client, actors = live
    async with stream(client, actors.customer) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = Stream(response)
        await create_ticket(client, actors.other_customer, subject="not yours")
        mine = await create_ticket(client, actors.customer, subject="yours")
        first = await events.next_event()
        assert first["event"] == "ticket.created"
        assert mine["id"] in first["data"] and "not yours" not in first["data"]


async def test_resume_with_last_event_id_without_gaps_or_duplicates(live: Any) -> None:
    _, client, actors = live
    async with stream(client, actors.admin) as response:
        events = Stream(response)
        await create_ticket(client, actors.customer, subject="one")
        seen = await events.next_event()
    await create_ticket(client, actors.customer, subject="two")
    await create_ticket(client, actors.customer, subject="three")
    async with stream(client, actors.admin, headers={"Last-Event-ID": seen["id"]}) as response:
        events = Stream(response)
        resumed = [await events.next_event(), await events.next_event()]
    assert [int(e["id"]) for e in resumed] == [int(seen["id"]) + 1, int(seen["id"]) + 2]
    assert ['"two"' in e["data"] for e in resumed] == [True, False]


async def test_heartbeat_while_nothing_happens(live: Any) -> None:
    _, client, actors = live
    async with stream(client, actors.agent) as response:
        events = Stream(response)
        assert (await events.next()) == {"retry": "3000"}
        assert (await events.next()) == {"comment": "heartbeat"}


async def test_single_use_token_for_event_source(live: Any) -> None:
    _, client, actors = live
    token = (
        await client.post("/api/events/stream-token/", headers=actors.customer.headers)
    ).json()["token"]
    async with stream(client, None, token=token) as response:
        assert response.status_code == 200
    async with stream(client, None, token=token) as again:
        assert again.status_code == 401  # used up
    async with stream(client, None) as anonymous:
        assert anonymous.status_code == 401


async def test_simultaneous_uses_of_one_token_open_one_stream(live: Any) -> None:
    _, client, actors = live
    token = (
        await client.post("/api/events/stream-token/", headers=actors.customer.headers)
    ).json()["token"]
    async with AsyncExitStack() as streams:
        opened = await asyncio.gather(
            *(streams.enter_async_context(stream(client, None, token=token)) for _ in range(20))
        )
        assert sorted(response.status_code for response in opened) == [200] + [401] * 19


async def test_streams_per_user_are_bounded(app_with: AppFactory) -> None:
    application, _ = await app_with(
        stream_max_per_user=2, event_poll_seconds=0.05, stream_max_seconds=BOUND * 3
    )
    actors = await make_actors(application.state.db, application.state.settings)
    async with (
        served(application) as client,
        stream(client, actors.agent) as one,
        stream(client, actors.agent) as two,
        stream(client, actors.agent) as three,
    ):
        assert (one.status_code, two.status_code, three.status_code) == (200, 200, 429)
        assert "retry-after" in three.headers


class TestTheStreamCapHoldsAcrossInstances:
    """STREAM_MAX_PER_USER counted in MongoDB: slots with an expiry on the server's clock."""

    async def test_simultaneous_streams_on_two_instances(self, app_with: AppFactory) -> None:
        limits = {
            "stream_max_per_user": 2,
            "event_poll_seconds": 0.05,
            "stream_max_seconds": BOUND * 3,
            "mongodb_db": f"test_{uuid.uuid4().hex[:16]}",
        }
        one, _ = await app_with(**limits)
        two, _ = await app_with(**limits)
        actors = await make_actors(one.state.db, one.state.settings)
        async with served(one) as first, served(two) as second, AsyncExitStack() as streams:
            opened = await asyncio.gather(
                *(
                    streams.enter_async_context(stream(http, actors.agent))
                    for http in (first, second)
                    for _ in range(3)
                )
            )
            statuses = sorted(response.status_code for response in opened)
            assert statuses == [200, 200, 429, 429, 429, 429]
            await streams.aclose()  # the streams end: their places come back
            async with asyncio.timeout(BOUND):
                while True:
                    async with stream(second, actors.agent) as again:
                        if again.status_code == 200:
                            break

    async def test_the_slots_of_a_dead_instance_expire(self, app_with: AppFactory) -> None:
        application, _ = await app_with(
            stream_max_per_user=2, event_poll_seconds=0.05, stream_max_seconds=BOUND * 3
        )
        actors = await make_actors(application.state.db, application.state.settings)
        await application.state.db.stream_slots.insert_one(
            {
                "_id": ObjectId(actors.agent.id),
                "slots": [  # another instance's live stream, and one of a process that died
                    {"id": ObjectId(), "until": datetime(2100, 1, 1, tzinfo=UTC)},
                    {"id": ObjectId(), "until": datetime(2000, 1, 1, tzinfo=UTC)},
                ],
            }
        )
        async with (
            served(application) as client,
            stream(client, actors.agent) as one,
            stream(client, actors.agent) as two,
        ):
            assert (one.status_code, two.status_code) == (200, 429)


async def test_a_stream_ends_after_its_lifetime(app_with: AppFactory) -> None:
    application, _ = await app_with(event_poll_seconds=0.05, stream_max_seconds=0.3)
    actors = await make_actors(application.state.db, application.state.settings)
    async with served(application) as client, stream(client, actors.agent) as response:
        events = Stream(response)
        assert (await events.next()) == {"retry": "3000"}
        with pytest.raises(EOFError):
            await events.next()


async def ends(events: Stream) -> None:
    """Reads until the server ends the stream (EOFError); a stream still open after BOUND in
    all, heartbeats or not, fails the test (TimeoutError): its lifetime is BOUND * 3."""
    async with asyncio.timeout(BOUND):
        with pytest.raises(EOFError):
            while True:
                await events.next()


def signed_in(pair: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}


class TestTheStreamEndsWithItsLogin:
    """Issue 20, item 3: the stream checks its caller every heartbeat (0.3 s here), so it
    ends long before its lifetime (BOUND * 3), within BOUND."""

    async def test_deactivation_ends_the_stream(self, live: Any) -> None:
        _, client, actors = live
        async with stream(client, actors.agent) as response:
            events = Stream(response)
            await client.post(
                f"/api/admin/users/{actors.agent.id}/deactivate/", headers=actors.admin.headers
            )
            await ends(events)

    async def test_logout_ends_the_stream(self, live: Any) -> None:
        _, client, actors = live
        pair = (await login(client, actors.customer.email)).json()
        async with stream(client, None, headers=signed_in(pair)) as response:
            events = Stream(response)
            assert (await events.next()) == {"retry": "3000"}
            await client.post("/api/auth/logout/", json={"refresh_token": pair["refresh_token"]})
            await ends(events)

    async def test_logout_ends_a_stream_opened_with_a_stream_token(self, live: Any) -> None:
        _, client, actors = live
        pair = (await login(client, actors.customer.email)).json()
        token = (await client.post("/api/events/stream-token/", headers=signed_in(pair))).json()[
            "token"
        ]
        async with stream(client, None, token=token) as response:
            events = Stream(response)
            assert (await events.next()) == {"retry": "3000"}
            await client.post("/api/auth/logout/", json={"refresh_token": pair["refresh_token"]})
            await ends(events)

    async def test_a_reused_refresh_token_ends_the_stream(self, live: Any) -> None:
        _, client, actors = live
        pair = (await login(client, actors.customer.email)).json()
        async with stream(client, None, headers=signed_in(pair)) as response:
            events = Stream(response)
            assert (await events.next()) == {"retry": "3000"}
            for _ in range(2):  # spent, then presented again: the login ends
                await client.post(
                    "/api/auth/refresh/", json={"refresh_token": pair["refresh_token"]}
                )
            await ends(events)

    async def test_other_logins_stream_on(self, live: Any) -> None:
        _, client, actors = live
        laptop = (await login(client, actors.customer.email)).json()
        phone = (await login(client, actors.customer.email)).json()
        async with stream(client, None, headers=signed_in(phone)) as response:
            events = Stream(response)
            await client.post("/api/auth/logout/", json={"refresh_token": laptop["refresh_token"]})
            assert (await events.next()) == {"retry": "3000"}
            for _ in range(3):  # three heartbeats, three checks passed
                assert (await events.next()) == {"comment": "heartbeat"}

    async def test_after_reactivation_the_user_streams_again(self, live: Any) -> None:
        _, client, actors = live
        customer, admin = actors.customer, actors.admin
        await client.post(f"/api/admin/users/{customer.id}/deactivate/", headers=admin.headers)
        await client.post(f"/api/admin/users/{customer.id}/activate/", headers=admin.headers)
        after = (await login(client, customer.email)).json()
        async with stream(client, None, headers=signed_in(after)) as response:
            assert response.status_code == 200
            events = Stream(response)
            signed_in_again = replace(customer, headers=signed_in(after))
            ticket = await create_ticket(client, signed_in_again, subject="after reactivation")
            first = await events.next_event()
            assert first["event"] == "ticket.created" and ticket["id"] in first["data"]
            assert (await events.next()) == {"comment": "heartbeat"}  # still open

    async def test_after_reactivation_tokens_from_before_stay_dead(self, live: Any) -> None:
        _, client, actors = live
        customer, admin = actors.customer, actors.admin
        before = (await login(client, customer.email)).json()
        token = (await client.post("/api/events/stream-token/", headers=signed_in(before))).json()[
            "token"
        ]
        await client.post(f"/api/admin/users/{customer.id}/deactivate/", headers=admin.headers)
        await client.post(f"/api/admin/users/{customer.id}/activate/", headers=admin.headers)
        async with stream(client, None, headers=signed_in(before)) as old:
            assert old.status_code == 401
        async with stream(client, None, token=token) as old_stream_token:
            assert old_stream_token.status_code == 401


async def test_a_new_stream_starts_with_what_happens_next(app_with: AppFactory) -> None:
    # The broadcaster never looks again: the stream must not start from its stale position.
    application, _ = await app_with(
        event_poll_seconds=10, stream_heartbeat_seconds=0.2, stream_max_seconds=BOUND * 3
    )
    actors = await make_actors(application.state.db, application.state.settings)
    async with served(application) as client:
        before = await create_ticket(client, actors.customer, subject="before")
        async with stream(client, actors.admin) as response:
            events = Stream(response)
            after = await create_ticket(client, actors.customer, subject="after")
            first = await events.next_event()
    assert after["id"] in first["data"] and before["id"] not in first["data"]
