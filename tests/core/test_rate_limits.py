"""Issue 14, rate limits: per user when authenticated, per address otherwise, counted in
process; headers on every answer, 429 with Retry-After beyond. The window is driven."""

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from tests.conftest import AppFactory, Clock
from tests.factories import make_actors


@pytest.fixture
def frozen(clock: Clock) -> Clock:
    clock.set(datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC))  # 10 s into a window
    return clock


async def test_per_user_limit_under_simultaneous_requests(
    app_with: AppFactory, frozen: Clock
) -> None:
    application, client = await app_with(rate_limit_per_user=5, rate_limit_per_address=1000)
    actors = await make_actors(application.state.db, application.state.settings)
    answers = await asyncio.wait_for(
        asyncio.gather(
            *(client.get("/api/auth/me/", headers=actors.customer.headers) for _ in range(9))
        ),
        timeout=30,
    )
    assert sorted(a.status_code for a in answers) == [200] * 5 + [429] * 4
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["retry-after"] == "50"
    ok = next(a for a in answers if a.status_code == 200)
    assert ok.headers["ratelimit-policy"] == '"user";q=5;w=60'
    assert ok.headers["ratelimit"].startswith('"user";r=')
    # another user has their own budget; the next window a fresh one
    other = await client.get("/api/auth/me/", headers=actors.agent.headers)
    assert other.status_code == 200
    frozen.advance(seconds=60)
    again = await client.get("/api/auth/me/", headers=actors.customer.headers)
    assert again.status_code == 200 and again.headers["ratelimit"] == '"user";r=4;t=50'


async def test_per_address_limit_on_public_endpoints(app_with: AppFactory, frozen: Clock) -> None:
    _, client = await app_with(rate_limit_per_user=1000, rate_limit_per_address=3)
    statuses = [(await client.get("/api/support/faq/")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    health = await client.get("/api/health/")
    assert health.status_code == 200  # probes are never limited


async def test_headers_on_every_answer(client: httpx.AsyncClient) -> None:
    for path in ("/api/support/faq/", "/api/support/tickets/", "/api/nowhere/"):
        response = await client.get(path)
        assert "ratelimit" in response.headers and "ratelimit-policy" in response.headers
