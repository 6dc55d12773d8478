"""The one clock (app/core/clock.py): what drives it, and that every module reads it."""

from datetime import UTC, datetime

import httpx

from app.core.clock import driven, utcnow
from app.core.db import Database
from tests.conftest import Clock
from tests.factories import login, signup


class TestDriven:
    def test_the_block_reads_its_source_then_the_previous_one(self) -> None:
        outer = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        inner = datetime(2026, 3, 3, 9, 0, 0, 123456, tzinfo=UTC)
        with driven(lambda: outer):
            with driven(lambda: inner):
                assert utcnow() == inner.replace(microsecond=123000)  # milliseconds, as stored
            assert utcnow() == outer


class TestClockFixture:
    """The `clock` fixture drives every module, not only the ticket ones."""

    async def test_an_account_and_its_login_are_stamped_with_the_driven_time(
        self, client: httpx.AsyncClient, db: Database, clock: Clock
    ) -> None:
        clock.set(datetime(2026, 3, 4, 15, 30, 12, tzinfo=UTC))
        assert (await client.post("/api/auth/register/", json=signup())).status_code == 201
        clock.advance(minutes=5)
        logged_in = await login(client, "ann@example.com", "password123")
        assert logged_in.status_code == 200
        token = logged_in.json()["access_token"]  # signed in real time: valid now
        me = await client.get("/api/auth/me/", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["user"]["created_at"] == "2026-03-04T15:30:12Z"
        # (The record of the refresh token: its expiry is the token's, in real time, so the
        # database's TTL sweep, which runs in real time, leaves it alone.)
        issued = await db.refresh_tokens.find_one({})
        assert issued is not None
        assert issued["created_at"].replace(tzinfo=UTC) == clock.now
