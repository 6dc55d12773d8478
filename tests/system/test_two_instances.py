"""Issue 21: two instances of the service, as a load balancer would have them: two
`python -m app serve` processes (production mode) on one database, the requests of each test
sent at once and split across both. What decides a limit or an order lives in the database, so
it holds across any number of instances: a per-user request limit, the per-user stream cap, an
event reaching a stream opened on the other instance, one ticket from concurrent idempotent
retries, and a feed without gaps. Each test acts as users of its own (the limit is per user);
every wait is bounded (BOUND seconds)."""

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from pymongo import MongoClient

from app.core.pagination import MAX_PAGE_SIZE
from tests.conftest import TEST_JWT_SECRET
from tests.core.serving import ADMIN, EventReader, serving_together

BOUND = 15  # seconds any one wait may take before the test fails
# RATE_LIMIT_PER_USER, per minute: each test's users stay within it, and a burst of 2 x LIMIT
# ends long before a limit that refills (one request per 60 / LIMIT = 3 s) would allow one more.
LIMIT = 20
STREAMS = 2  # STREAM_MAX_PER_USER
TICKET = {"subject": "Parcel damaged", "description": "Box crushed", "category": "Damaged"}


@pytest.fixture(scope="module")
def pair(mongodb_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """The base URLs of two instances on one database, started once for the module."""
    database = f"test_{uuid.uuid4().hex[:16]}"
    try:
        with serving_together(
            tmp_path_factory.mktemp("two-instances"),
            2,
            APP_ENV="production",
            MONGODB_URL=mongodb_url,
            MONGODB_DB=database,
            JWT_SECRET=TEST_JWT_SECRET,
            ADMIN_EMAIL=ADMIN["email"],
            ADMIN_PASSWORD=ADMIN["password"],
            RATE_LIMIT_PER_USER=str(LIMIT),
            # Sign-ups and logins are anonymous, all from 127.0.0.1: not what is tested.
            RATE_LIMIT_PER_ADDRESS="1000000",
            REGISTRATIONS_PER_HOUR="1000",
            STREAM_MAX_PER_USER=str(STREAMS),
            EVENT_POLL_SECONDS="0.1",
            STREAM_HEARTBEAT_SECONDS="1",
        ) as both:
            yield [served.base for served in both]
    finally:
        with MongoClient(mongodb_url) as client:
            client.drop_database(database)


def signed_in(base: str, credentials: dict[str, str]) -> dict[str, str]:
    login = httpx.post(f"{base}/api/auth/login/", json=credentials, timeout=BOUND)
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def new_customer(base: str) -> dict[str, str]:
    """A customer of its own (its own request budget), signed up and signed in."""
    user = {"email": f"c-{uuid.uuid4().hex[:10]}@example.com", "password": "password123"}
    signed_up = httpx.post(f"{base}/api/auth/register/", json={**user, "name": "C"}, timeout=BOUND)
    assert signed_up.status_code == 201, signed_up.text
    return signed_in(base, user)


def feed_ids(base: str, headers: dict[str, str]) -> list[int]:
    """Every event id of the caller's feed, page after page."""
    ids: list[int] = []
    cursor = ""
    while True:
        page = httpx.get(
            f"{base}/api/events/?limit={MAX_PAGE_SIZE}{cursor}", headers=headers, timeout=BOUND
        )
        assert page.status_code == 200, page.text
        events = page.json()["events"]
        ids += [int(event["id"]) for event in events]
        if len(events) < MAX_PAGE_SIZE or page.json()["next_cursor"] is None:
            return ids
        cursor = f"&cursor={page.json()['next_cursor']}"


class TestRequestLimit:
    async def test_a_per_user_limit_lets_exactly_that_many_through_across_both(
        self, pair: list[str]
    ) -> None:
        headers = new_customer(pair[0])
        async with httpx.AsyncClient(timeout=BOUND) as http:
            answers = await asyncio.gather(
                *(
                    http.get(f"{pair[i % 2]}/api/auth/me/", headers=headers)
                    for i in range(2 * LIMIT)
                )
            )
        statuses = Counter(answer.status_code for answer in answers)
        assert statuses == {200: LIMIT, 429: LIMIT}, (
            f"{statuses[200]} of {2 * LIMIT} through with a limit of {LIMIT}: {statuses}"
        )
        for answer in answers:
            assert answer.headers["ratelimit-policy"] == f'"user";q={LIMIT};w=60'
            assert "ratelimit" in answer.headers
            if answer.status_code == 429:
                assert answer.json()["code"] == "rate_limited"
                assert int(answer.headers["retry-after"]) >= 1


async def refused_by_stream_cap(response: httpx.Response) -> bool:
    """A 429 of the stream cap; fails on one of the request limit (the test's budget spent)."""
    if response.status_code != 429:
        return False
    await response.aread()
    assert response.json()["code"] == "rate_limited"
    assert "stream" in response.json()["error"].lower(), response.text
    return True


class TestStreamCap:
    async def test_the_per_user_stream_cap_holds_across_both_and_a_closed_stream_frees_its_place(
        self, pair: list[str]
    ) -> None:
        headers = new_customer(pair[0])
        async with httpx.AsyncClient(timeout=BOUND) as http:

            async def open_stream(base: str) -> httpx.Response:
                request = http.build_request("GET", f"{base}/api/events/stream/", headers=headers)
                return await http.send(request, stream=True)

            opened = await asyncio.gather(*(open_stream(pair[i % 2]) for i in range(2 * STREAMS)))
            try:
                statuses = Counter(response.status_code for response in opened)
                assert statuses == {200: STREAMS, 429: STREAMS}, (
                    f"{statuses[200]} streams open with a cap of {STREAMS}: {statuses}"
                )
                for response in opened:
                    assert response.status_code == 200 or await refused_by_stream_cap(response)
            finally:
                for response in opened:
                    await response.aclose()
            # The places are given back: a stream opens again on each instance (the server
            # learns of a closed connection at once or by its next heartbeat; bounded retries).
            for base in pair:
                async with asyncio.timeout(BOUND):
                    while await refused_by_stream_cap(again := await open_stream(base)):
                        await again.aclose()
                        await asyncio.sleep(1)  # a poll interval, not an assertion
                assert again.status_code == 200
                await again.aclose()


class TestEventsAcrossInstances:
    async def test_an_event_written_through_one_reaches_streams_opened_on_either(
        self, pair: list[str]
    ) -> None:
        headers = new_customer(pair[0])
        stream = "{}/api/events/stream/"
        async with (
            httpx.AsyncClient(timeout=BOUND) as http,
            http.stream("GET", stream.format(pair[1]), headers=headers) as on_other,
            http.stream("GET", stream.format(pair[0]), headers=headers) as on_same,
        ):
            assert (on_other.status_code, on_same.status_code) == (200, 200)
            created = await http.post(
                f"{pair[0]}/api/support/tickets/create/", json=TICKET, headers=headers
            )
            assert created.status_code == 201, created.text
            ticket_id = created.json()["ticket"]["id"]
            for response in (on_other, on_same):
                event = await EventReader(response, bound=BOUND).next_event()
                assert event["event"] == "ticket.created"
                assert json.loads(event["data"])["ticket_id"] == ticket_id


class TestIdempotentRetries:
    async def test_concurrent_retries_split_across_both_create_one_ticket(
        self, pair: list[str]
    ) -> None:
        headers = new_customer(pair[0])
        keyed = {**headers, "Idempotency-Key": str(uuid.uuid4())}
        retries = 10
        async with httpx.AsyncClient(timeout=BOUND) as http:
            answers = await asyncio.gather(
                *(
                    http.post(
                        f"{pair[i % 2]}/api/support/tickets/create/", json=TICKET, headers=keyed
                    )
                    for i in range(retries)
                )
            )
            mine = await http.get(f"{pair[1]}/api/support/tickets/", headers=headers)
        assert {answer.status_code for answer in answers} <= {201, 409}, [
            (answer.status_code, answer.text) for answer in answers
        ]
        created = [answer for answer in answers if answer.status_code == 201]
        assert len({answer.json()["ticket"]["id"] for answer in created}) == 1
        ran = [answer for answer in created if "idempotent-replayed" not in answer.headers]
        assert len(ran) == 1, f"{len(ran)} of {retries} retries ran the request"
        assert mine.status_code == 200
        assert [t["id"] for t in mine.json()["tickets"]] == [created[0].json()["ticket"]["id"]]


class TestFeedOrder:
    async def test_the_feed_has_no_gap_after_concurrent_writes_through_both(
        self, pair: list[str]
    ) -> None:
        writers = [new_customer(pair[i % 2]) for i in range(3)]
        each = 8
        admin = signed_in(pair[1], ADMIN)
        async with (
            httpx.AsyncClient(timeout=BOUND) as http,
            http.stream("GET", f"{pair[1]}/api/events/stream/", headers=admin) as live,
        ):
            assert live.status_code == 200
            answers = await asyncio.gather(
                *(
                    http.post(
                        f"{pair[i % 2]}/api/support/tickets/create/",
                        json=TICKET,
                        headers=writers[i % len(writers)],
                    )
                    for i in range(each * len(writers))
                )
            )
            assert [answer.status_code for answer in answers] == [201] * len(answers)
            written = {answer.json()["ticket"]["id"] for answer in answers}
            # A stream follows the feed by cursor: an event given a place before one already
            # read would never reach it, and this wait would fail.
            events = EventReader(live, bound=BOUND)
            seen: set[str] = set()
            while not written <= seen:
                seen.add(json.loads((await events.next_event())["data"])["ticket_id"])
        streamed = [int(event["id"]) for event in events.read]
        assert streamed == list(range(streamed[0], streamed[0] + len(streamed))), streamed
        ids = feed_ids(pair[0], admin)
        assert ids == list(range(1, len(ids) + 1)), ids
        assert set(streamed) <= set(ids)
