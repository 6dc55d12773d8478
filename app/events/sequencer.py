"""The sequencer: numbers pending events in commit order, one process at a time.

Writes record their events pending (record.py). The sequencer holds a lease (the checkpoint
document in `counters`: `holder`, `lease_until` on the server's clock, and a `fence` that
grows with each taking; lease times are the instances' wall clock, the fence keeps a
skewed one safe) and reads the pending events' inserts from a change stream on
`events`, which gives them in commit order (a transaction's inserts together, in their
order). It numbers them in batches: one transaction sets each event's `seq` (the last number
plus one, on) and moves the checkpoint (the last number, the resume token after the batch's
last insert) on condition that its fence is still the lease's. So two never number at once: a
holder whose lease was taken over fails its next batch and stops; and numbers stay gap-free.

A batch lost with its process (killed between reading and committing) is simply not in the
checkpoint: the next holder resumes the change stream from the stored token and numbers the
same events. When no token can be resumed from (the first start, or a token older than the
server's change history), it first numbers every event still pending in `_id` order (their
creation time: the order of their commits is no longer known), then follows the stream.
A number is only given to an event still pending, so none is numbered twice.
"""

import asyncio
import contextlib
import logging
from typing import Any

from bson import ObjectId

from app.core.db import IN_BATCH, Database
from app.core.leases import lease_owner
from app.core.tasks import stop_task
from app.events import queries
from app.events.queries import LostLease

log = logging.getLogger("app.events")
BATCH = IN_BATCH  # events a numbering transaction takes: one `$in` of their ids
RETRY_SECONDS = 1.0

Change = dict[str, Any]


class Sequencer:
    def __init__(self, db: Database, *, lease_seconds: float, wait_seconds: float) -> None:
        """`wait_seconds`: the longest a read of the change stream waits for news, so the
        longest a stop waits for it (pymongo may finish an awaited read despite a cancel)."""
        self.db = db
        self.lease_seconds = lease_seconds
        self.wait_seconds = min(wait_seconds, lease_seconds / 3)
        self.owner = lease_owner()
        self.fence: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="event-sequencer")

    async def stop(self) -> None:
        """Stops, and frees the lease for another process at once."""
        self._stopping.set()
        if self._task is not None:
            await stop_task(self._task)
        if self.fence is not None:
            with contextlib.suppress(Exception):
                await queries.release_lease(self.db, self.fence)

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.fence = await queries.take_lease(self.db, self.owner, self.lease_seconds)
                if self.fence is None:  # another process numbers: wait for its lease to end
                    await self._pause(self.lease_seconds / 4)
                    continue
                await self._follow(self.fence)
            except LostLease:
                log.info("sequencer %s lost its lease", self.owner)
                self.fence = None
            except Exception:  # the database away: take the lease again, from the checkpoint
                log.warning("event sequencer failed; starting again", exc_info=True)
                await self._pause(RETRY_SECONDS)

    async def _pause(self, seconds: float) -> None:
        """Waits, or less when stopping: a stop is seen here even if a library awaited under
        it swallowed the task's cancellation."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _follow(self, fence: int) -> None:
        last_seq, token = await queries.checkpoint(self.db)
        stream = await self._watch(token) if token is not None else None
        if stream is None:  # no usable token: from now on, after what is pending already
            stream = await self._watch(None)
            assert stream is not None
            last_seq = await self._number_backlog(fence, last_seq, stream.resume_token)
        inserts: asyncio.Queue[Change | BaseException] = asyncio.Queue()
        reader = asyncio.create_task(self._read(stream, inserts), name="event-sequencer-reader")
        try:
            while not self._stopping.is_set():
                try:
                    first = await asyncio.wait_for(inserts.get(), self.wait_seconds)
                except TimeoutError:  # quiet: renewed often enough to outlast a slow batch
                    await queries.renew_lease(self.db, self.owner, fence, self.lease_seconds)
                    continue
                batch = [first]
                while len(batch) < BATCH and not inserts.empty():
                    batch.append(inserts.get_nowait())
                changes = [c for c in batch if not isinstance(c, BaseException)]
                if changes:
                    ids = [c["documentKey"]["_id"] for c in changes]
                    last_seq = await self._number(fence, last_seq, ids, changes[-1]["_id"])
                if failed := next((c for c in batch if isinstance(c, BaseException)), None):
                    raise failed
        finally:
            await stop_task(reader)
            await stream.close()

    async def _watch(self, token: Any) -> Any:
        return await queries.watch_outbox(self.db, token, wait_seconds=self.wait_seconds)

    async def _read(self, stream: Any, inserts: "asyncio.Queue[Change | BaseException]") -> None:
        try:
            while stream.alive and not self._stopping.is_set():
                change = await stream.try_next()
                if change is not None:
                    inserts.put_nowait(change)
                else:
                    await asyncio.sleep(queries.QUIET_GAP_SECONDS)
            if not self._stopping.is_set():
                raise ConnectionError("the change stream of events ended")  # say, dropped
        except Exception as error:  # handed to the batching loop, which starts again
            inserts.put_nowait(error)

    async def _number_backlog(self, fence: int, last_seq: int, resume_from: Any) -> int:
        """Every event pending before the stream began, in batches. Only the last batch saves
        the stream's token: one lost midway leaves no usable token, so the next holder starts
        the backlog again (what was numbered is no longer pending)."""
        backlog = await queries.pending_ids(self.db)
        for start in range(0, len(backlog), BATCH):
            batch = backlog[start : start + BATCH]
            last = start + BATCH >= len(backlog)
            last_seq = await self._number(fence, last_seq, batch, resume_from if last else None)
        if not backlog:
            last_seq = await self._number(fence, last_seq, [], resume_from)
        return last_seq

    async def _number(
        self, fence: int, last_seq: int, ids: list[ObjectId], resume_token: Any
    ) -> int:
        """One batch: numbers for the events of `ids` still pending, in that order, and the
        checkpoint, in one transaction under the fence. Returns the last number given.
        Following the stream, every event is still pending; only one the backlog numbered too
        is not, and only then are the batch's events read first to leave it out."""
        try:
            return await self._number_pending(
                fence, last_seq, list(dict.fromkeys(ids)), resume_token
            )
        except queries.AlreadyNumbered:
            pending = await queries.still_pending(self.db, ids)
            ordered = [i for i in dict.fromkeys(ids) if i in pending]
            try:
                return await self._number_pending(fence, last_seq, ordered, resume_token)
            except queries.AlreadyNumbered:  # numbered since by another holder
                raise LostLease from None

    async def _number_pending(
        self, fence: int, last_seq: int, ids: list[ObjectId], resume_token: Any
    ) -> int:
        numbered = [(event_id, last_seq + n) for n, event_id in enumerate(ids, start=1)]
        last = last_seq + len(numbered)

        async def work(session: Any) -> None:
            await queries.number(
                self.db,
                session,
                fence=fence,
                numbered=numbered,
                last_seq=last,
                resume_token=resume_token,
            )

        async with self.db.client.start_session() as session:
            await session.with_transaction(work)
        return last
