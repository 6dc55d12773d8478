"""The live stream (Server-Sent Events) of the feed, for the web front end.

One `Broadcaster` per worker. It learns of new events once, from `Arrivals` (arrivals.py: a
change stream on the sequencer's checkpoint and one read of the new events), and hands each
open stream of the worker the ones its caller may see, checked in memory with the feed's own
rule (`queries.visible_to` and `queries.matches`): no query per stream. A stream reads its
backlog (after Last-Event-ID, or after falling behind) with the feed's query, then follows
its inbox. Once per heartbeat a stream checks its caller as a request would be (two reads by
_id): logout, a reused refresh token or deactivation end it within a heartbeat.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Sequence

from app.auth import service as auth_service
from app.auth.principal import User
from app.core.cursors import encode_cursor
from app.core.db import Database
from app.core.http_protocol import SHUTTING_DOWN
from app.core.pagination import Filter
from app.events import queries
from app.events.arrivals import Arrivals
from app.events.documents import EventDoc
from app.events.schemas import EventOut

log = logging.getLogger("app.events")
BATCH = 100
INBOX_MAX = 1000  # a stream further behind reads its backlog with the feed's query instead


class Inbox:
    """The events for one open stream, as they arrive."""

    def __init__(self, scopes: Sequence[Filter]) -> None:
        self.scopes = scopes
        self.events: list[EventDoc] = []
        self.behind = False  # more arrived than it holds: read them from the database
        self.moved = asyncio.Event()

    def deliver(self, found: list[EventDoc]) -> None:
        mine = [e for e in found if queries.matches(e, self.scopes)]
        if not mine:
            return
        if len(self.events) + len(mine) > INBOX_MAX:
            self.behind, self.events = True, []
        else:
            self.events += mine
        self.moved.set()

    def take(self) -> list[EventDoc]:
        taken, self.events = self.events, []
        self.moved.clear()
        return taken


class Broadcaster:
    def __init__(
        self, db: Database, *, poll_seconds: float, write_wait_seconds: float = 2.0
    ) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.closing = False
        self._inboxes: set[Inbox] = set()
        self.arrivals = Arrivals(db, retry_seconds=poll_seconds, wait_seconds=write_wait_seconds)
        self.arrivals.listen(self._hand_out)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.arrivals.start()
        self._task = asyncio.create_task(self._watch_shutdown(), name="event-broadcaster")

    async def stop(self) -> None:
        """Shutdown: every open stream ends cleanly."""
        self._close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.arrivals.stop()

    async def newest(self) -> int:
        return await queries.latest_seq(self.db)

    async def _watch_shutdown(self) -> None:
        while True:  # SHUTTING_DOWN is a thread's event: looked at, not awaited
            await asyncio.sleep(self.poll_seconds)
            if SHUTTING_DOWN.is_set():  # the server is stopping: end every stream now
                self._close()
                return

    def _close(self) -> None:
        self.closing = True
        for inbox in self._inboxes:
            inbox.moved.set()

    def _hand_out(self, found: list[EventDoc]) -> None:
        for inbox in self._inboxes:
            inbox.deliver(found)

    @contextlib.contextmanager
    def subscribe(self, scopes: Sequence[Filter]) -> Iterator[Inbox]:
        inbox = Inbox(scopes)
        self._inboxes.add(inbox)
        try:
            yield inbox
        finally:
            self._inboxes.discard(inbox)


async def start_position(broadcaster: Broadcaster, last_event_id: str | None) -> int:
    """Resume after Last-Event-ID; a new stream starts with what happens next (the newest
    event now, not as of the broadcaster's last look)."""
    if last_event_id is not None:
        parsed = queries.IN_ORDER.parse(last_event_id.strip())
        if parsed is not None:
            return int(parsed)
    return await broadcaster.newest()


async def sse(
    db: Database,
    broadcaster: Broadcaster,
    user: User,
    *,
    after: int,
    heartbeat: float,
    max_seconds: float,
) -> AsyncIterator[str]:
    """The caller's events after `after` as SSE (`id:` the cursor, `event:` the type,
    `data:` the JSON), a comment every `heartbeat` seconds of silence; ends on shutdown, when
    the caller would no longer be let in (checked every `heartbeat`), and after `max_seconds`
    (the client reconnects and resumes)."""
    cursor = after
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + max_seconds
    check_at = loop.time() + heartbeat
    yield "retry: 3000\n\n"
    with broadcaster.subscribe(queries.visible_to(user)) as inbox:
        inbox.behind = True  # first the backlog after `after`
        while not broadcaster.closing:
            if loop.time() >= check_at:
                if not await auth_service.still_signed_in(db=db, user=user):
                    return
                check_at = loop.time() + heartbeat
            if inbox.behind:
                inbox.behind = False
                inbox.take()  # what arrives from now on is kept; the rest is read here
                found, _ = await queries.page(
                    db, inbox.scopes, types=None, limit=BATCH, cursor=encode_cursor(str(cursor))
                )
                inbox.behind = inbox.behind or len(found) == BATCH
            else:
                found = inbox.take()
            for event in found:
                if event["seq"] <= cursor:  # also read with the backlog
                    continue
                payload = EventOut.of(event).model_dump_json()
                yield f"id: {event['seq']}\nevent: {event['type']}\ndata: {payload}\n\n"
                cursor = event["seq"]
            if inbox.behind or inbox.events:
                continue
            left = ends_at - loop.time()
            if left <= 0:
                return
            # Never past the next check: a heartbeat of silence is also when the caller is
            # checked.
            wait = max(0.0, min(check_at - loop.time(), left))
            try:
                await asyncio.wait_for(inbox.moved.wait(), wait)
            except TimeoutError:
                if loop.time() < ends_at:
                    yield ": heartbeat\n\n"
