"""The delay from a write's commit to its event in the feed (numbered by the sequencer).

`python -m bench.event_delay [--writers 16] [--writes 50]`: an embedded SecantusDB, the app's
sequencer and arrivals in this process, and `--writers` concurrent writers each committing
`--writes` transactions with one event (no wait for the number: the write returns at commit).
The delay of an event is from its commit returning to this process seeing it numbered.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bson import ObjectId

from app.core.db import ensure_indexes
from app.core.embedded_db import embedded_database
from app.events.arrivals import Arrivals
from app.events.documents import SYSTEM, EventDoc, EventType
from app.events.record import in_transaction, record
from app.events.sequencer import Sequencer
from app.main import DOMAIN_INDEXES


async def measure(url: str, writers: int, writes: int) -> list[float]:
    from pymongo import AsyncMongoClient

    client: Any = AsyncMongoClient(url)
    db = client.event_delay
    await ensure_indexes(db, DOMAIN_INDEXES)
    committed: dict[ObjectId, float] = {}
    arrived: dict[ObjectId, float] = {}

    def seen(found: list[EventDoc]) -> None:
        now = time.perf_counter()
        arrived.update((e["_id"], now) for e in found)

    arrivals = Arrivals(db, retry_seconds=0.5, wait_seconds=0)  # writes do not wait here
    arrivals.listen(seen)
    await arrivals.start()
    sequencer = Sequencer(db, lease_seconds=10, wait_seconds=0.5)
    sequencer.start()

    async def work(session: Any) -> ObjectId:
        event = await record(
            db, session, EventType.FAQ_CREATED, actor=SYSTEM, visibility="internal", data={}
        )
        return event["_id"]

    async def writer() -> None:
        for _ in range(writes):
            committed[await in_transaction(db, work)] = time.perf_counter()

    await asyncio.gather(*(writer() for _ in range(writers)))
    async with asyncio.timeout(60):
        while True:
            if len(arrived) >= writers * writes:
                break
            await asyncio.sleep(0.01)
    await sequencer.stop()
    await arrivals.stop()
    await client.drop_database("event_delay")
    # (an event seen before its writer got the commit's answer counts as no delay)
    return [max(0.0, arrived[i] - at) for i, at in committed.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--writes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, embedded_database(Path(data), quiet=True) as db:
        delays = asyncio.run(measure(db.url, args.writers, args.writes))
    ms = sorted(d * 1000 for d in delays)
    p95 = ms[round(0.95 * (len(ms) - 1))]
    print(
        f"commit -> feed, {len(ms)} events, {args.writers} writers: "
        f"p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
