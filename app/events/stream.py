"""The live stream (Server-Sent Events) of the feed, for the web front end.

One `Broadcaster` per worker watches the newest event id with one small query per
EVENT_POLL_SECONDS and wakes every open stream of the worker when it moves. Each stream then
reads what its caller may see after its own cursor with the feed's query: the access rule
stays in one place. Once per heartbeat a stream checks its caller as a request would be (two
reads by _id): logout, a reused refresh token or deactivation end it within a heartbeat.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from app.auth import service as auth_service
from app.auth.principal import User
from app.core.db import Database
from app.core.http_protocol import SHUTTING_DOWN
from app.core.pagination import encode_cursor
from app.events import queries
from app.events.schemas import EventOut

log = logging.getLogger("app.events")
BATCH = 100


class Broadcaster:
    def __init__(self, db: Database, *, poll_seconds: float) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.latest = 0
        self.closing = False
        self._moved = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.latest = await self.newest()
        self._task = asyncio.create_task(self._watch(), name="event-broadcaster")

    async def stop(self) -> None:
        """Shutdown: every open stream ends cleanly."""
        self.closing = True
        self._wake()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def newest(self) -> int:
        return await queries.latest_seq(self.db)

    async def _watch(self) -> None:
        while not self.closing:
            await asyncio.sleep(self.poll_seconds)
            if SHUTTING_DOWN.is_set():  # the server is stopping: end every stream now
                self.closing = True
                self._wake()
                return
            try:
                newest = await self.newest()
                if newest > self.latest:
                    self.latest = newest
                    self._wake()
            except Exception:  # a database outage: keep watching, streams keep their place
                log.warning("event broadcaster could not read the events", exc_info=True)

    def _wake(self) -> None:
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    async def wait(self, seconds: float) -> bool:
        """Until new events (True) or `seconds` of silence (False); at once when closing."""
        moved = self._moved
        if self.closing:  # closed while the caller read its page: _wake() has been and gone
            return True
        try:
            await asyncio.wait_for(moved.wait(), seconds)
        except TimeoutError:
            return False
        return True


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
    scopes = queries.visible_to(user)
    cursor = after
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + max_seconds
    check_at = loop.time() + heartbeat
    yield "retry: 3000\n\n"
    while not broadcaster.closing:
        if loop.time() >= check_at:
            if not await auth_service.still_signed_in(db=db, user=user):
                return
            check_at = loop.time() + heartbeat
        found, _ = await queries.page(
            db, scopes, types=None, limit=BATCH, cursor=encode_cursor(str(cursor))
        )
        for event in found:
            payload = EventOut.of(event).model_dump_json()
            yield f"id: {event['seq']}\nevent: {event['type']}\ndata: {payload}\n\n"
            cursor = event["seq"]
        if len(found) == BATCH:
            continue
        left = ends_at - loop.time()
        if left <= 0:
            return
        # Never past the next check: a heartbeat of silence is also when the caller is checked.
        silent = not await broadcaster.wait(max(0.0, min(check_at - loop.time(), left)))
        if silent and loop.time() < ends_at:
            yield ": heartbeat\n\n"
