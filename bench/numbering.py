"""What numbering events costs the embedded database, in CPU per event: the sequencer's batch
as one update per event (a bulk write), as one update of the whole batch (each event finds its
number by its place in it: app/events/queries.py `number`), and, for scale, writing the event
pending. Events with the service's indexes, batches of 10, the database's own CPU time.

    python -m bench.numbering
"""

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from bson import ObjectId
from pymongo import AsyncMongoClient, UpdateOne

from app.core.embedded_db import embedded_database
from app.events.queries import INDEXES

BATCH = 10
BATCHES = 60


def pending_event() -> dict[str, Any]:
    return {
        "_id": ObjectId(),
        "pending": True,
        "type": "ticket.created",
        "occurred_at": datetime.now(UTC),
        "actor": {"type": "user", "id": "6a1b"},
        "ticket_id": ObjectId(),
        "visibility": "public",
        "data": {"subject": "Package arrived damaged"},
        "audience": {"customer_id": "6a1b", "agent_id": None, "queue": True},
        "ticket_version": 1,
    }


async def main_async(url: str, server: psutil.Process) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    events = client.bench_numbering.events
    await events.create_indexes(INDEXES["events"])
    last = 0

    def cpu() -> float:
        times = server.cpu_times()
        return float(times.user + times.system)

    async def per_event(label: str, batch: Callable[[list[ObjectId]], Awaitable[Any]]) -> None:
        written = []
        for _ in range(BATCHES):
            docs = [pending_event() for _ in range(BATCH)]
            await events.insert_many(docs)
            written.append([d["_id"] for d in docs])
        before = cpu()
        for ids in written:
            await batch(ids)
        print(f"{label:48s} {(cpu() - before) * 1000 / (BATCHES * BATCH):5.2f} ms per event")

    async def one_update_each(ids: list[ObjectId]) -> None:
        nonlocal last
        updates = []
        for event_id in ids:
            last += 1
            updates.append(
                UpdateOne(
                    {"_id": event_id, "pending": True},
                    {"$set": {"seq": last}, "$unset": {"pending": ""}},
                )
            )
        await events.bulk_write(updates)

    async def one_update_for_all(ids: list[ObjectId]) -> None:
        nonlocal last
        first, last = last + 1, last + len(ids)
        await events.update_many(
            {"_id": {"$in": ids}, "pending": True},
            [
                {"$set": {"seq": {"$add": [first, {"$indexOfArray": [ids, "$_id"]}]}}},
                {"$unset": "pending"},
            ],
        )

    async def write_pending(ids: list[ObjectId]) -> None:
        for _ in ids:
            await events.insert_one(pending_event())

    await per_event("numbering: an update per event (bulk write)", one_update_each)
    await per_event("numbering: one update for the batch", one_update_for_all)
    await per_event("for scale: writing an event pending (insert)", write_pending)
    await client.close()


def main() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="bench-numbering-") as tmp,
        embedded_database(Path(tmp), quiet=True) as server,
    ):
        assert server.process is not None
        asyncio.run(main_async(server.url, psutil.Process(server.process.pid)))


if __name__ == "__main__":
    main()
