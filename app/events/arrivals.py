"""Where a process learns, once, of the events the sequencer has just numbered.

One `Arrivals` per app (the broadcaster starts it) watches the sequencer's checkpoint with a
change stream; each time the last number moves it reads the new events with one range query
and hands them to its listeners (the open streams, stream.py), and wakes the writes of this
process waiting for their events to be numbered (`wait_numbered`, record.py). Whichever
process numbers them, every process sees them this one way.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from bson import ObjectId

from app.core.db import Database
from app.core.lru import Lru
from app.core.tasks import stop_task
from app.events import queries
from app.events.documents import EventDoc

log = logging.getLogger("app.events")
BATCH = 500
REMEMBERED = 10_000  # numbered ids kept, for a write that starts waiting after they arrived

Listener = Callable[[list[EventDoc]], None]

# The running Arrivals of each database this process serves, for `wait_numbered`.
_running: dict[str, "Arrivals"] = {}


async def wait_numbered(
    db: Database, ids: Sequence[ObjectId], *, within: float | None = None
) -> None:
    """Until this process has seen `ids` numbered, at most `within` seconds (by default
    EVENT_WRITE_WAIT_SECONDS); at once in a process that watches no events (a CLI command,
    `python -m app worker`)."""
    arrivals = _running.get(db.name)
    if ids and arrivals is not None and arrivals.wait_seconds > 0:
        await arrivals.wait_for(ids, within or arrivals.wait_seconds)


class Arrivals:
    def __init__(self, db: Database, *, retry_seconds: float, wait_seconds: float) -> None:
        self.db = db
        self.retry_seconds = retry_seconds
        self.wait_seconds = wait_seconds
        self.latest = 0
        self._listeners: list[Listener] = []
        self._waiting: dict[ObjectId, asyncio.Future[None]] = {}
        self._recent = Lru[ObjectId, bool](REMEMBERED)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        self.latest = await queries.latest_seq(self.db)
        _running[self.db.name] = self
        self._task = asyncio.create_task(self._watch(), name="event-arrivals")

    async def stop(self) -> None:
        if _running.get(self.db.name) is self:
            del _running[self.db.name]
        self._stopping.set()
        if self._task is not None:
            await stop_task(self._task)

    async def _watch(self) -> None:
        while not self._stopping.is_set():
            try:
                watch = queries.watch_checkpoint(self.db, wait_seconds=self.retry_seconds)
                async with await watch as changes:
                    await self.catch_up()  # what was numbered before the watch began
                    while changes.alive and not self._stopping.is_set():
                        if await changes.try_next() is not None:
                            await self.catch_up()
                        else:
                            await asyncio.sleep(queries.QUIET_GAP_SECONDS)
                if not self._stopping.is_set():
                    raise ConnectionError("the change stream of the checkpoint ended")
            except Exception:  # a database outage: watch again, from the last number seen
                log.warning("could not watch for new events", exc_info=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.retry_seconds)

    async def catch_up(self) -> None:
        while found := await queries.events_after_seq(self.db, self.latest, limit=BATCH):
            self.latest = found[-1]["seq"]
            self._arrived(found)
            if len(found) < BATCH:
                return

    def _arrived(self, found: list[EventDoc]) -> None:
        for event in found:
            self._recent.put(event["_id"], True)
            if (waiting := self._waiting.pop(event["_id"], None)) is not None:
                waiting.set_result(None)
        for listener in self._listeners:
            listener(found)

    async def wait_for(self, ids: Sequence[ObjectId], seconds: float) -> None:
        loop = asyncio.get_running_loop()
        waits = []
        for event_id in ids:
            if event_id not in self._recent:
                waits.append(self._waiting.setdefault(event_id, loop.create_future()))
        if not waits:
            return
        try:
            await asyncio.wait_for(asyncio.gather(*waits), seconds)
        except TimeoutError:
            log.warning("events not numbered within %s s: is a sequencer running?", seconds)
        finally:
            for event_id in ids:
                self._waiting.pop(event_id, None)
