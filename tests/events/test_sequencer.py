"""The sequencer: events are numbered after commit, in commit order, gap-free, once, by one
holder of the lease at a time; nothing is lost when it dies mid-batch."""

import asyncio
from datetime import datetime
from typing import Any

import pytest
from bson import ObjectId

from app.core.db import Database
from app.events import queries
from app.events import sequencer as sequencer_module
from app.events.documents import SYSTEM, EventType
from app.events.queries import LostLease
from app.events.record import in_transaction, record
from app.events.sequencer import Sequencer
from tests.conftest import AppFactory

BOUND = 20.0


async def write_events(db: Database, count: int) -> list[ObjectId]:
    ids: list[ObjectId] = []
    for n in range(count):

        async def work(session: Any, n: int = n) -> None:
            event = await record(
                db, session, EventType.FAQ_CREATED, actor=SYSTEM, visibility="internal",
                data={"n": n},
            )  # fmt: skip
            ids.append(event["_id"])

        await in_transaction(db, work)
    return ids


async def numbered(db: Database) -> list[tuple[int, int]]:
    """(seq, n) of the events `write_events` wrote, in the order of their numbers."""
    found = await db.events.find({"seq": {"$gt": 0}}).sort("seq", 1).to_list()
    return [(e["seq"], e["data"]["n"]) for e in found if "n" in e["data"]]


async def numbered_by(sequencer: Sequencer, count: int) -> None:
    """Runs `sequencer` until `count` events are numbered, then stops it."""
    sequencer.start()
    try:
        await until_numbered(sequencer.db, count)
    finally:
        await sequencer.stop()


async def until_numbered(db: Database, count: int) -> None:
    """Polls (the sequencer runs in the background), within BOUND."""
    async with asyncio.timeout(BOUND):
        while True:
            if await db.events.count_documents({"seq": {"$gt": 0}}) >= count:
                return
            await asyncio.sleep(0.01)


class TestNumbering:
    async def test_commit_order_gap_free_and_the_tickets_version(
        self, app_with: AppFactory
    ) -> None:
        application, client = await app_with()
        db = application.state.db
        await write_events(db, 5)
        from tests.factories import create_ticket, make_actors

        actors = await make_actors(db, application.state.settings)
        ticket = await create_ticket(client, actors.customer)
        assert [n for _, n in await numbered(db)] == [0, 1, 2, 3, 4]
        seqs = [e["seq"] for e in await db.events.find({"seq": {"$gt": 0}}).to_list()]
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        created = await db.events.find_one({"ticket_id": ObjectId(ticket["id"])})
        assert created is not None and created["ticket_version"] == 1
        assert "pending" not in created


class TestTakingOver:
    async def test_a_sequencer_killed_mid_batch_loses_nothing(
        self, app_with: AppFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # No sequencer in the app, and writes do not wait: this test runs them.
        application, _ = await app_with(event_sequencer_in_api=False, event_write_wait_seconds=0)
        db = application.state.db
        read = asyncio.Event()
        original = queries.number

        async def stuck(*args: Any, **kwargs: Any) -> None:
            read.set()  # it has read a batch: it dies before committing it
            await asyncio.Event().wait()

        first = Sequencer(db, lease_seconds=0.5, wait_seconds=0.1)
        first.start()
        await write_events(db, 1)
        await until_numbered(db, 1)  # the first batch, the stream resumable from its token
        monkeypatch.setattr(sequencer_module.queries, "number", stuck)
        await write_events(db, 6)
        async with asyncio.timeout(BOUND):
            await read.wait()
        assert first._task is not None
        first._task.cancel()  # killed: its lease is not released
        monkeypatch.setattr(sequencer_module.queries, "number", original)
        await write_events(db, 3)
        second = Sequencer(db, lease_seconds=0.5, wait_seconds=0.1)
        await numbered_by(second, 10)
        assert [n for _, n in await numbered(db)] == [0, 0, 1, 2, 3, 4, 5, 0, 1, 2]
        assert [s for s, _ in await numbered(db)] == list(range(1, 11))
        assert await db.events.count_documents({"pending": True}) == 0
        assert second.fence is not None and first.fence is not None
        assert second.fence > first.fence

    async def test_without_a_usable_token_the_pending_are_numbered_in_id_order(
        self, app_with: AppFactory
    ) -> None:
        application, _ = await app_with(event_sequencer_in_api=False, event_write_wait_seconds=0)
        db = application.state.db
        await write_events(db, 4)
        await db.counters.update_one({"_id": "events"}, {"$set": {"resume_token": {"_data": "00"}}}, upsert=True)  # fmt: skip
        sequencer = Sequencer(db, lease_seconds=5, wait_seconds=0.1)
        await numbered_by(sequencer, 4)
        assert await numbered(db) == [(1, 0), (2, 1), (3, 2), (4, 3)]

    async def test_a_backlog_is_numbered_in_batches_the_token_saved_with_the_last(
        self, app_with: AppFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A backlog of any size (a seed with no sequencer running) is numbered a batch per
        transaction, never in one read and write whose cost grows with it."""
        application, _ = await app_with(event_sequencer_in_api=False, event_write_wait_seconds=0)
        db = application.state.db
        await write_events(db, 7)
        monkeypatch.setattr(sequencer_module, "BATCH", 3)
        batches: list[tuple[int, bool]] = []  # (size, with a token)
        numbering = queries.number

        async def spy(*args: Any, **kwargs: Any) -> None:
            batches.append((len(kwargs["numbered"]), kwargs["resume_token"] is not None))
            await numbering(*args, **kwargs)

        monkeypatch.setattr(queries, "number", spy)
        sequencer = Sequencer(db, lease_seconds=5, wait_seconds=0.1)
        await numbered_by(sequencer, 7)
        assert await numbered(db) == [(n + 1, n) for n in range(7)]
        assert batches[:3] == [(3, False), (3, False), (1, True)]

    async def test_events_the_backlog_numbered_are_left_out_when_the_stream_brings_them(
        self, app_with: AppFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The stream begins before the backlog is read: what commits in between is in both,
        numbered once, with no batch refused for it (the same holder, the same fence)."""
        application, _ = await app_with(event_sequencer_in_api=False, event_write_wait_seconds=0)
        db = application.state.db
        await write_events(db, 2)
        reading = queries.pending_ids

        async def with_writes_meanwhile(database: Database) -> list[ObjectId]:
            await write_events(database, 2)
            return await reading(database)

        monkeypatch.setattr(queries, "pending_ids", with_writes_meanwhile)
        sequencer = Sequencer(db, lease_seconds=5, wait_seconds=0.1)
        sequencer.start()
        try:
            await until_numbered(db, 4)
            await write_events(db, 1)
            await until_numbered(db, 5)
            fence = sequencer.fence
        finally:
            await sequencer.stop()
        assert await numbered(db) == [(1, 0), (2, 1), (3, 0), (4, 1), (5, 0)]
        assert fence == 1
        assert await db.events.count_documents({"pending": True}) == 0


class TestTheFence:
    async def test_a_stale_holder_cannot_number(self, app_with: AppFactory) -> None:
        application, _ = await app_with(event_sequencer_in_api=False, event_write_wait_seconds=0)
        db = application.state.db
        (event_id,) = await write_events(db, 1)
        stale = await queries.take_lease(db, "stale", 60)
        assert stale is not None
        assert await queries.take_lease(db, "other", 60) is None  # held
        await db.counters.update_one({"_id": "events"}, {"$set": {"lease_until": datetime.min}})
        fresh = await queries.take_lease(db, "fresh", 60)
        assert fresh == stale + 1

        async def stale_batch(session: Any) -> None:
            await queries.number(
                db, session, fence=stale, numbered=[(event_id, 1)], last_seq=1, resume_token=None
            )

        async with db.client.start_session() as session:
            with pytest.raises(LostLease):
                await session.with_transaction(stale_batch)
        assert await db.events.count_documents({"pending": True}) == 1
        assert await queries.latest_seq(db) == 0

    async def test_a_live_lease_holds_against_an_instance_whose_clock_runs_ahead(
        self, app_with: AppFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        application, _ = await app_with(event_sequencer_in_api=False, event_write_wait_seconds=0)
        db = application.state.db
        assert await queries.take_lease(db, "holder", 60) is not None

        class AnHourAhead(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> "AnHourAhead":
                return cls.fromtimestamp(datetime.now(tz).timestamp() + 3600, tz)

        monkeypatch.setattr(queries, "datetime", AnHourAhead)  # the other instance's clock
        assert await queries.take_lease(db, "skewed", 60) is None
        await queries.renew_lease(db, "holder", 1, 60)  # the holder keeps it
