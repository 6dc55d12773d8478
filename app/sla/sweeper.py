"""The SLA breach sweeper: every SLA_SWEEP_SECONDS, one process across all instances (the one
holding the lease) records the deadlines that passed unmet, each once with its event
(`sla.first_response_breached`, `sla.resolution_breached`), so webhooks and the event stream
carry them within a sweep period of the deadline. Run by the API processes unless
SLA_SWEEPER_IN_API=false, and by `python -m app worker`."""

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database
from app.core.leases import lease_owner
from app.sla import queries
from app.tickets import autoassign, breaches

log = logging.getLogger(__name__)
STOP_WAIT_SECONDS = 5
ROUND = 200  # tickets per query; a round goes on while the queries come back full


async def sweep_once(
    db: Database, *, owner: str, now: datetime | None = None, period: timedelta
) -> int | None:
    """One sweep if this owner holds the lease: the number of tickets with a breach
    recorded, None without the lease. `now` is for tests to drive."""
    moment = now or utcnow()
    held = await queries.hold_sweeper_lease(db, owner=owner, now=moment, until=moment + 2 * period)
    if not held:
        return None
    total = 0
    while (done := await breaches.record_overdue_breaches(db=db, now=moment, limit=ROUND)) > 0:
        total += done
        if done < ROUND:
            break
    return total


class Sweeper:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.period = timedelta(seconds=settings.sla_sweep_seconds)
        self.owner = lease_owner()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                if await sweep_once(self.db, owner=self.owner, period=self.period) is not None:
                    # the lease holder also hands out tickets waiting for auto-assignment
                    await autoassign.assign_waiting(self.db)
            except Exception:  # the database away: try again next period
                log.warning("SLA sweep failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.period.total_seconds())

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="sla-sweeper")

    async def stop(self) -> None:
        """Lets a sweep in progress finish (a transaction cut off mid-way would hold its
        locks on the server until it times out), then ends the loop."""
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_WAIT_SECONDS)
        except TimeoutError:
            self._task.cancel()  # the loop ends at its next turn even if this is swallowed
            await asyncio.wait({self._task}, timeout=STOP_WAIT_SECONDS)
