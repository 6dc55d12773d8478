"""Stopping a background task whose own loop also watches a stop flag."""

import asyncio
from typing import Any


async def stop_task(task: "asyncio.Task[Any]", *, within: float = 5.0) -> None:
    """Cancels `task` and waits for it to end, at most `within` seconds. pymongo can finish an
    awaited read in spite of a cancel (the CancelledError never reaches the task), so every
    loop stopped this way also checks its stop flag, and ends within one read's wait."""
    task.cancel()
    await asyncio.wait([task], timeout=within)
