"""CPU- and memory-heavy work (password hashing, image decoding) off the event loop, a bounded
number at a time per worker."""

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from app.core.errors import AppError

T = TypeVar("T")


class Busy(AppError):
    """Every slot stayed taken for the whole wait: answered at once, without the work."""

    status_code = 503

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Retry-After": "1"})


class Slots:
    """At most `concurrency` jobs at once in threads; a caller that waits longer than
    `wait_seconds` for a slot gets `Busy(busy_message)` (503)."""

    def __init__(self, *, concurrency: int, wait_seconds: float, busy_message: str) -> None:
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        self.busy_message = busy_message
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, work: Callable[[], T]) -> T:
        if self._limiter is None:  # made in the event loop that uses it
            self._limiter = anyio.CapacityLimiter(self.concurrency)
        try:
            with anyio.fail_after(self.wait_seconds):
                await self._limiter.acquire()
        except TimeoutError:
            raise Busy(self.busy_message) from None
        try:
            return await anyio.to_thread.run_sync(work)
        finally:
            self._limiter.release()
