"""Webhooks: signed deliveries a `standardwebhooks` receiver verifies, at least once, retried,
never twice at once, to public addresses only. Deliveries are driven by the test (dispatch,
deliver_due with a given clock); the receiver is a real HTTP server on 127.0.0.1."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI
from standardwebhooks import Webhook

from app.core.clock import utcnow
from app.core.db import Database
from app.webhooks import addresses
from app.webhooks.addresses import AddressNotAllowed, check_url
from app.webhooks.delivery import deliver_due, delivery_client, dispatch
from tests.conftest import AppFactory
from tests.factories import Actors, create_ticket, make_actors
from tests.live import BOUND, served


class Receiver:
    """An ASGI app that records what it is sent and answers the statuses it is given."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.clients: list[tuple[str, int]] = []  # the connection each request came on

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.received.append((headers, body))
        self.clients.append(tuple(scope["client"]))
        status = self.statuses.pop(0) if self.statuses else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    app = Receiver()
    async with served(app) as client:
        yield app, str(client.base_url).rstrip("/") + "/hook"


async def register(
    client: httpx.AsyncClient, actors: Actors, url: str, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/admin/webhooks/", json={"url": url, **fields}, headers=actors.admin.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def run_deliveries(app: FastAPI, owner: str = "test", **kwargs: Any) -> int:
    await dispatch(app.state.db)
    async with delivery_client(app.state.settings) as http:
        return await deliver_due(app.state.db, app.state.settings, http, owner=owner, **kwargs)


async def test_delivery_is_signed_as_standard_webhooks_says(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    created = await register(client, actors, url, description="CRM")
    assert created["secret"].startswith("whsec_")
    assert (
        "secret"
        not in (
            await client.get(
                f"/api/admin/webhooks/{created['webhook']['id']}/", headers=actors.admin.headers
            )
        ).json()
    )
    ticket = await create_ticket(client, actors.customer)
    assert await run_deliveries(app) == 1
    ((headers, body),) = hook.received
    Webhook(created["secret"]).verify(body, headers)  # raises if the signature is wrong
    payload = json.loads(body)
    assert payload["type"] == "ticket.created" and payload["data"]["ticket_id"] == ticket["id"]
    assert set(payload) == {"type", "timestamp", "data"}


@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """What the webhooks' resolver answers, by name (the test fills it in); the names it
    was asked for are under "asked"."""
    answers: dict[str, list[str]] = {"asked": []}

    async def resolve(host: str, port: int) -> list[str]:
        answers["asked"].append(host)
        return answers[host]

    monkeypatch.setattr(addresses, "resolve", resolve)
    return answers


async def test_a_named_host_is_reached_at_its_resolved_address_with_its_name_in_host(
    app: FastAPI,
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: tuple[Receiver, str],
    resolved: dict[str, list[str]],
) -> None:
    """WEBHOOK_ALLOW_PRIVATE (the tests' setting): a name resolving to loopback is delivered
    to, resolved once per attempt by the webhooks' resolver, the name kept in `Host`."""
    hook, url = receiver
    resolved["receiver.test"] = ["127.0.0.1"]
    named = url.replace("127.0.0.1", "receiver.test")
    await register(client, actors, named)
    await create_ticket(client, actors.customer)
    assert await run_deliveries(app) == 1
    ((headers, _),) = hook.received
    assert headers["host"] == named.removeprefix("http://").removesuffix("/hook")
    assert resolved["asked"] == ["receiver.test"]


async def test_the_next_address_is_tried_when_one_cannot_be_connected_to(
    app: FastAPI,
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: tuple[Receiver, str],
    resolved: dict[str, list[str]],
) -> None:
    hook, url = receiver
    resolved["receiver.test"] = ["::1", "127.0.0.1"]  # the receiver listens on IPv4 only
    await register(client, actors, url.replace("127.0.0.1", "receiver.test"))
    await create_ticket(client, actors.customer)
    assert await run_deliveries(app) == 1
    assert len(hook.received) == 1


async def test_every_attempt_has_its_own_connection(
    app: FastAPI,
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: tuple[Receiver, str],
    resolved: dict[str, list[str]],
) -> None:
    """A kept connection is known by address only: one made (and its TLS certificate checked)
    for one name would carry the next delivery to the same address, whatever its name."""
    hook, url = receiver
    resolved["one.test"] = resolved["other.test"] = ["127.0.0.1"]
    await register(client, actors, url.replace("127.0.0.1", "one.test"))
    await register(client, actors, url.replace("127.0.0.1", "other.test"))
    await create_ticket(client, actors.customer)
    assert await run_deliveries(app) == 2
    assert len(set(hook.clients)) == 2


async def failed_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: Database,
    actors: Actors,
    receiver: tuple[Receiver, str],
) -> tuple[dict[str, Any], dict[str, Any], datetime]:
    """A webhook whose receiver answered 500 to the first attempt of a new ticket's event:
    (the registration's answer, the delivery as stored, when the attempt was made)."""
    hook, url = receiver
    hook.statuses = [500]
    created = await register(client, actors, url)
    await create_ticket(client, actors.customer)
    await dispatch(db)
    now = utcnow()
    assert await run_deliveries(app, now=now) == 1
    (delivery,) = await db.webhook_deliveries.find().to_list()
    return created, delivery, now


async def test_a_failed_attempt_is_retried_with_backoff(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: Database,
    actors: Actors,
    receiver: tuple[Receiver, str],
) -> None:
    hook, _ = receiver
    created, delivery, now = await failed_once(app, client, db, actors, receiver)
    assert delivery["status"] == "pending" and delivery["attempt_count"] == 1
    assert timedelta(seconds=4.4) <= delivery["next_attempt_at"] - now <= timedelta(seconds=5.6)
    assert await run_deliveries(app, now=now + timedelta(seconds=1)) == 0  # not due yet
    assert await run_deliveries(app, now=now + timedelta(seconds=6)) == 1
    assert len(hook.received) == 2
    assert hook.received[0][0]["webhook-id"] == hook.received[1][0]["webhook-id"]
    log = await client.get(
        f"/api/admin/webhooks/{created['webhook']['id']}/deliveries/", headers=actors.admin.headers
    )
    (entry,) = log.json()["deliveries"]
    assert entry["status"] == "delivered"
    assert [a["status_code"] for a in entry["attempts"]] == [500, 200]


class TestRetryingADelivery:
    async def test_a_failed_attempt_is_due_at_once_and_a_delivered_one_is_404(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        db: Database,
        actors: Actors,
        receiver: tuple[Receiver, str],
    ) -> None:
        hook, url = receiver
        created, failed, _ = await failed_once(app, client, db, actors, receiver)
        webhook_id = created["webhook"]["id"]
        retry = f"/api/admin/webhooks/{webhook_id}/deliveries/{failed['_id']}/retry/"

        queued = await client.post(retry, headers=actors.admin.headers)
        assert queued.status_code == 200, queued.text
        assert queued.json()["status"] == "pending" and queued.json()["attempt_count"] == 1
        due = datetime.fromisoformat(queued.json()["next_attempt_at"].replace("Z", "+00:00"))
        assert due < failed["next_attempt_at"]  # at once, not after the backoff
        assert await run_deliveries(app, now=utcnow()) == 1
        assert len(hook.received) == 2

        delivered = await client.post(retry, headers=actors.admin.headers)
        assert delivered.status_code == 404
        other = (await register(client, actors, url))["webhook"]["id"]
        elsewhere = retry.replace(webhook_id, other)
        assert (await client.post(elsewhere, headers=actors.admin.headers)).status_code == 404


async def test_only_subscribed_types_are_delivered(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    await register(client, actors, url, event_types=["reply.created"])
    ticket = await create_ticket(client, actors.customer)
    await client.post(
        f"/api/support/tickets/{ticket['id']}/replies/",
        json={"body": "hi"},
        headers=actors.customer.headers,
    )
    assert await run_deliveries(app) == 1
    assert [json.loads(body)["type"] for _, body in hook.received] == ["reply.created"]


async def test_a_delivery_interrupted_by_a_dead_deliverer_is_made_after(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: Database,
    actors: Actors,
    receiver: tuple[Receiver, str],
) -> None:
    hook, url = receiver
    await register(client, actors, url)
    await create_ticket(client, actors.customer)
    await dispatch(db)
    # A deliverer took it and died before answering: its lease, on the database server's
    # clock, holds the delivery however far ahead this deliverer's own clock runs.
    until = await server_time(db) + timedelta(seconds=60)
    await db.webhook_deliveries.update_many(
        {}, {"$set": {"lease_owner": "dead", "lease_until": until}}
    )
    assert await run_deliveries(app, now=utcnow() + timedelta(days=1)) == 0
    await db.webhook_deliveries.update_many(
        {}, {"$set": {"lease_until": datetime(2000, 1, 1, tzinfo=UTC)}}
    )  # the lease ended
    assert await run_deliveries(app) == 1
    assert len(hook.received) == 1


class HeldReceiver(Receiver):
    """Holds its first request until `answer` is set (the statuses go in answering order)."""

    def __init__(self, *statuses: int) -> None:
        super().__init__(*statuses)
        self.arrived = asyncio.Event()
        self.answer = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self.arrived.is_set():
            self.arrived.set()
            await self.answer.wait()
        await super().__call__(scope, receive, send)


class TestTheAttemptLease:
    async def test_the_lease_outlasts_twice_the_whole_timeout(self, app_with: AppFactory) -> None:
        application, client = await app_with(webhook_timeout_seconds=45)
        actors = await make_actors(application.state.db, application.state.settings)
        hook = HeldReceiver()
        async with served(hook) as receiving:
            await register(client, actors, f"{receiving.base_url}/hook")
            await create_ticket(client, actors.customer)
            db = application.state.db
            before = await server_time(db)
            attempt = asyncio.create_task(run_deliveries(application))
            await asyncio.wait_for(hook.arrived.wait(), BOUND)
            (held,) = await db.webhook_deliveries.find().to_list()
            hook.answer.set()
            assert await asyncio.wait_for(attempt, BOUND) == 1
        assert held["lease_until"] - before >= timedelta(seconds=90)

    async def test_a_result_counts_only_with_the_token_that_holds_the_lease(
        self, app: FastAPI, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        hook = HeldReceiver(200, 500)  # the takeover's attempt is answered first
        async with served(hook) as receiving:
            created = await register(client, actors, f"{receiving.base_url}/hook")
            await create_ticket(client, actors.customer)
            stalled = asyncio.create_task(run_deliveries(app, owner="instance"))
            await asyncio.wait_for(hook.arrived.wait(), BOUND)
            # The first attempt stalls past its lease; another claim takes the delivery over
            # (here under the same owner name: the token, not the name, tells them apart).
            await db.webhook_deliveries.update_many(
                {}, {"$set": {"lease_until": datetime(2000, 1, 1, tzinfo=UTC)}}
            )
            assert await asyncio.wait_for(run_deliveries(app, owner="instance"), BOUND) == 1
            hook.answer.set()  # the stalled attempt gets its 500 at last
            await asyncio.wait_for(stalled, BOUND)
        (delivery,) = await db.webhook_deliveries.find().to_list()
        assert delivery["status"] == "delivered" and delivery["attempt_count"] == 1
        assert [a["status_code"] for a in delivery["attempts"]] == [200]
        webhook = await db.webhooks.find_one({"_id": ObjectId(created["webhook"]["id"])})
        assert webhook is not None and webhook["failing_since"] is None

    async def test_a_whole_attempt_is_cut_at_the_timeout(self, app_with: AppFactory) -> None:
        application, client = await app_with(webhook_timeout_seconds=0.5)
        actors = await make_actors(application.state.db, application.state.settings)
        async with served(trickle) as receiving:
            await register(client, actors, f"{receiving.base_url}/hook")
            await create_ticket(client, actors.customer)
            assert await asyncio.wait_for(run_deliveries(application), BOUND) == 1
        (delivery,) = await application.state.db.webhook_deliveries.find().to_list()
        assert delivery["status"] == "pending"  # retried later
        assert delivery["attempts"][0]["error"].startswith("TimeoutError")


async def trickle(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A receiver that answers a byte at a time, each well within a read timeout, for three
    seconds (six times the timeout of the test that calls it)."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for _ in range(30):
        await send({"type": "http.response.body", "body": b".", "more_body": True})
        await asyncio.sleep(0.1)
    await send({"type": "http.response.body", "body": b""})


async def server_time(db: Database) -> datetime:
    hello = await db.command("hello")
    moment: datetime = hello["localTime"]
    return moment.replace(tzinfo=UTC)


async def test_two_deliverers_never_make_the_same_attempt(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    await register(client, actors, url)
    for _ in range(10):
        await create_ticket(client, actors.customer)
    await dispatch(app.state.db)
    made = await asyncio.wait_for(
        asyncio.gather(*(run_deliveries(app, owner=f"instance-{n}") for n in range(3))), 30
    )
    assert sum(made) == 10
    ids = [headers["webhook-id"] for headers, _ in hook.received]
    assert len(ids) == len(set(ids)) == 10


async def test_test_event_goes_to_its_webhook_only(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    first = await register(client, actors, url)
    await register(client, actors, url)
    sent = await client.post(
        f"/api/admin/webhooks/{first['webhook']['id']}/test/", headers=actors.admin.headers
    )
    assert sent.status_code == 200
    assert await run_deliveries(app) == 1
    ((headers, body),) = hook.received
    assert json.loads(body)["type"] == "webhook.test"
    Webhook(first["secret"]).verify(body, headers)


async def test_failing_for_a_day_disables_the_webhook(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: Database,
    actors: Actors,
    receiver: tuple[Receiver, str],
) -> None:
    hook, url = receiver
    hook.statuses = [500] * 10
    created = await register(client, actors, url)
    await create_ticket(client, actors.customer)
    await dispatch(db)
    now = utcnow()
    await run_deliveries(app, now=now)
    await run_deliveries(app, now=now + timedelta(hours=25))
    stored = await db.webhooks.find_one({"_id": ObjectId(created["webhook"]["id"])})
    assert stored is not None and stored["enabled"] is False
    disabled = await db.events.find_one({"type": "webhook.disabled"})
    assert disabled is not None and disabled["data"]["webhook_id"] == created["webhook"]["id"]


class TestServerSideRequestForgery:
    @pytest.mark.parametrize(
        "url",
        [
            "http://example.com/hook",  # plain http
            "https://127.0.0.1/hook",
            "https://10.0.0.5/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://user:pw@example.com/hook",
            "ftp://example.com/hook",
        ],
    )
    async def test_refused_at_registration(self, app_with: AppFactory, url: str) -> None:
        application, client = await app_with(webhook_allow_private=False)
        from tests.factories import make_actors

        actors = await make_actors(application.state.db, application.state.settings)
        response = await client.post(
            "/api/admin/webhooks/", json={"url": url}, headers=actors.admin.headers
        )
        assert response.status_code == 400 and "url" in response.json()

    async def test_checked_again_at_delivery(self) -> None:
        """What a name resolves to can change after registration: the same check runs
        before every attempt (delivery.py)."""
        with pytest.raises(AddressNotAllowed):
            await check_url("https://localhost/hook", allow_private=False)
        await check_url("http://localhost/hook", allow_private=True)
