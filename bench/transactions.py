"""What a change's transaction costs on the embedded database: two plain inserts, the same in a
transaction, with the event counter incremented in it, and with one process's transactions
taking turns on the counter (app/events/record.py), at concurrency 1 and 16.

    python -m bench.transactions
"""

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from app.core.embedded_db import embedded_database

OPERATIONS = 160


async def main_async(url: str) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(url, tz_aware=True)
    db = client.bench_transactions
    await db.counters.insert_one({"_id": "events", "seq": 0})
    for name in ("changes", "events"):
        await db.create_collection(name)
    turns = asyncio.Lock()

    async def transaction(i: int, *, counter: bool) -> None:
        async def work(session: AsyncClientSession) -> None:
            await db.changes.insert_one({"i": i}, session=session)
            if counter:
                await db.counters.find_one_and_update(
                    {"_id": "events"}, {"$inc": {"seq": 1}}, session=session
                )
            await db.events.insert_one({"i": i}, session=session)

        async with client.start_session() as session:
            await session.with_transaction(work)

    async def plain(i: int) -> None:
        await db.changes.insert_one({"i": i})
        await db.events.insert_one({"i": i})

    async def taking_turns(i: int) -> None:
        async with turns:
            await transaction(i, counter=True)

    cases: list[tuple[str, Callable[[int], Awaitable[None]]]] = [
        ("two plain inserts", plain),
        ("in a transaction", lambda i: transaction(i, counter=False)),
        ("with the counter", lambda i: transaction(i, counter=True)),
        ("taking turns", taking_turns),
    ]
    for label, run in cases:
        for concurrency in (1, 16):
            start = time.perf_counter()
            for first in range(0, OPERATIONS, concurrency):
                await asyncio.gather(*(run(first + k) for k in range(concurrency)))
            per_op = (time.perf_counter() - start) * 1000 / OPERATIONS
            print(f"{label:18s} concurrency {concurrency:2d}: {per_op:.2f} ms per change")
    await client.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, embedded_database(Path(tmp), quiet=True) as db:
        asyncio.run(main_async(db.url))


if __name__ == "__main__":
    main()
