"""Real HTTP on 127.0.0.1 inside the test's event loop: uvicorn serving an ASGI app (the API,
for streams; a webhook receiver). Every wait is bounded."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn

from app.core.embedded_db import free_port

BOUND = 10  # seconds any single wait may take before the test fails


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(BOUND):
        while not server.started:  # noqa: ASYNC110 - uvicorn.Server exposes only this flag
            await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=BOUND) as client:
            yield client
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, BOUND)
