"""Rate limits per user when authenticated, per address otherwise, counted in MongoDB on the
server's clock (GCRA): the limit holds across instances. Headers on every answer, 429 with
Retry-After beyond. The server's clock is not driven: limits are proven by counting
simultaneous requests, the refill by the algorithm given explicit times."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from app.core.db import Database
from app.core.ratelimit import count_request
from tests.conftest import AppFactory
from tests.factories import make_actors


async def simultaneously(*requests: object) -> list[httpx.Response]:
    return list(await asyncio.wait_for(asyncio.gather(*requests), timeout=30))  # type: ignore[call-overload]


def _budget(header: str) -> int:
    """Requests left in a `RateLimit` header of a limit of 5 a minute. Its `t` (seconds until
    the whole budget is back) counts down on the database server's clock, which the test
    cannot drive: checked to be within the window, and above 0 while a request is spent."""
    fields = dict(part.split("=") for part in header.split(";")[1:])
    left, reset = int(fields["r"]), int(fields["t"])
    assert 0 < reset <= 60, header
    return left


class TestPerUser:
    async def test_exactly_the_limit_gets_through_simultaneous_requests(
        self, app_with: AppFactory
    ) -> None:
        application, client = await app_with(rate_limit_per_user=5, rate_limit_per_address=1000)
        actors = await make_actors(application.state.db, application.state.settings)
        me = actors.customer.headers
        answers = await simultaneously(*(client.get("/api/auth/me/", headers=me) for _ in range(9)))
        assert sorted(a.status_code for a in answers) == [200] * 5 + [429] * 4
        refused = next(a for a in answers if a.status_code == 429)
        assert refused.json() == {
            "error": "Too many requests; try again later",
            "code": "rate_limited",
        }
        # Times count down on the database server's clock, which the test cannot drive: a
        # burst that takes a second or two on a loaded machine shows up to 2 s less.
        assert 10 <= int(refused.headers["retry-after"]) <= 12  # one back per 60 s / 5
        assert _budget(refused.headers["ratelimit"]) == 0
        ok = next(a for a in answers if a.status_code == 200)
        assert ok.headers["ratelimit-policy"] == '"user";q=5;w=60'
        # Each answer shows the budget left when it was read: after its own request and any
        # counted meanwhile.
        assert all(0 <= _budget(a.headers["ratelimit"]) <= 4 for a in answers)
        # One at a time, each shows one less.
        one_by_one = [
            await client.get("/api/auth/me/", headers=actors.admin.headers) for _ in range(6)
        ]
        assert [a.status_code for a in one_by_one] == [200] * 5 + [429]
        assert [_budget(a.headers["ratelimit"]) for a in one_by_one] == [4, 3, 2, 1, 0, 0]
        # another user has their own budget
        other = await client.get("/api/auth/me/", headers=actors.agent.headers)
        assert other.status_code == 200

    async def test_the_limit_holds_across_instances(self, app_with: AppFactory) -> None:
        shared = f"test_{uuid.uuid4().hex[:16]}"
        limits = {"rate_limit_per_user": 5, "rate_limit_per_address": 1000, "mongodb_db": shared}
        one, first = await app_with(**limits)
        _, second = await app_with(**limits)
        actors = await make_actors(one.state.db, one.state.settings)
        me = actors.customer.headers
        answers = await simultaneously(
            *(http.get("/api/auth/me/", headers=me) for http in (first, second) for _ in range(6))
        )
        assert sorted(a.status_code for a in answers) == [200] * 5 + [429] * 7


class TestPerAddress:
    async def test_public_endpoints_are_limited_per_address_across_instances(
        self, app_with: AppFactory
    ) -> None:
        shared = f"test_{uuid.uuid4().hex[:16]}"
        limits = {"rate_limit_per_user": 1000, "rate_limit_per_address": 3, "mongodb_db": shared}
        _, first = await app_with(**limits)
        _, second = await app_with(**limits)
        answers = await simultaneously(
            *(http.get("/api/support/faq/") for http in (first, second) for _ in range(3))
        )
        assert sorted(a.status_code for a in answers) == [200] * 3 + [429] * 3
        assert answers[0].headers["ratelimit-policy"] == '"address";q=3;w=60'
        health = await first.get("/api/health/")
        assert health.status_code == 200  # probes are never limited


class TestTheBudgetRefills:
    """The algorithm given explicit times (the server's clock in service)."""

    async def test_one_request_back_per_period_and_the_whole_budget_after_a_window(
        self, db: Database
    ) -> None:
        start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

        async def at(seconds: float) -> tuple[bool, int, int, int]:
            moment = start + timedelta(seconds=seconds)
            return await count_request(db, "user:x", limit=2, now=moment)

        assert await at(0) == (True, 1, 30, 1)
        assert await at(0) == (True, 0, 60, 30)
        assert await at(10) == (False, 0, 50, 20)  # the next one is back 30 s after the start
        assert await at(30) == (True, 0, 60, 30)
        assert await at(31) == (False, 0, 59, 29)
        assert await at(200) == (True, 1, 30, 1)  # idle for a window: the whole budget

    async def test_idle_keys_are_removed_by_a_ttl_index(self, app: FastAPI) -> None:
        info = await app.state.db.rate_limits.index_information()
        assert info["expires_at_1"]["expireAfterSeconds"] == 0


async def test_headers_on_every_answer(app_with: AppFactory) -> None:
    _, client = await app_with(rate_limit_per_user=600, rate_limit_per_address=300)
    for path in ("/api/support/faq/", "/api/support/tickets/", "/api/nowhere/"):
        response = await client.get(path)
        assert "ratelimit" in response.headers and "ratelimit-policy" in response.headers


async def test_zero_means_no_limit_and_no_headers(app_with: AppFactory) -> None:
    app, client = await app_with(rate_limit_per_user=0, rate_limit_per_address=0)
    response = await client.get("/api/support/faq/")
    assert response.status_code == 200 and "ratelimit" not in response.headers
    assert await app.state.db.rate_limits.count_documents({}) == 0


async def test_the_first_requests_of_a_key_at_once_are_each_counted(db: Database) -> None:
    # Every one of them upserts the key: the losers of the insert are counted as updates.
    for _ in range(5):
        key = f"user:{uuid.uuid4().hex}"
        answers = await asyncio.gather(*(count_request(db, key, limit=4) for _ in range(12)))
        assert sum(allowed for allowed, *_ in answers) == 4
