"""Delivery latency of webhooks: from the answer to a change (ticket created) to its signed
delivery arriving at a receiver on 127.0.0.1, through `python -m app serve` in production mode
(1 worker, the deliverer inside it, WEBHOOK_POLL_SECONDS as set, 1 by default).

    python -m bench.webhook_latency [--tickets 20]
"""

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from app.core.embedded_db import free_port
from bench.harness import ADMIN_EMAIL, ADMIN_PASSWORD, database, service, service_env


class Receiver:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        ticket = json.loads(body)["data"]["ticket_id"]
        self.arrived[ticket] = time.perf_counter()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def measure(base_url: str, receiver: Receiver, port: int, tickets: int) -> list[float]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        login = await client.post(
            "/api/auth/login/", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
        await client.post(
            "/api/admin/webhooks/",
            json={"url": f"http://127.0.0.1:{port}/hook", "event_types": ["ticket.created"]},
            headers=admin,
        )
        await client.post(
            "/api/auth/register/",
            json={"email": "latency@example.com", "password": "password123", "name": "L"},
        )
        token = (
            await client.post(
                "/api/auth/login/", json={"email": "latency@example.com", "password": "password123"}
            )
        ).json()["access_token"]
        customer = {"Authorization": f"Bearer {token}"}
        sent: dict[str, float] = {}
        for _ in range(tickets):
            response = await client.post(
                "/api/support/tickets/create/",
                json={"subject": "s", "description": "d", "category": "Late"},
                headers=customer,
            )
            sent[response.json()["ticket"]["id"]] = time.perf_counter()
            await asyncio.sleep(0.3)  # spread over the poll period, like real traffic
        async with asyncio.timeout(30):
            while len(receiver.arrived) < tickets:  # noqa: ASYNC110 - a bounded poll
                await asyncio.sleep(0.05)
    return [receiver.arrived[t] - sent[t] for t in sent]


async def main_async(tickets: int) -> None:
    receiver = Receiver()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(receiver, host="127.0.0.1", port=port, lifespan="off", log_config=None)
    )
    task = asyncio.create_task(server.serve())
    with (
        tempfile.TemporaryDirectory() as tmp,
        database("bench_webhooks") as db,
        service(
            service_env(db, WEBHOOK_ALLOW_PRIVATE="true"),
            workers=1,
            log_path=Path(tmp) / "serve.log",
        ) as api,
    ):
        latencies = await measure(api.base_url, receiver, port, tickets)
    server.should_exit = True
    await task
    ms = sorted(x * 1000 for x in latencies)
    print(
        f"{db.description}: {len(ms)} deliveries, median {statistics.median(ms):.0f} ms, "
        f"p90 {ms[int(len(ms) * 0.9) - 1]:.0f} ms, max {ms[-1]:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=20)
    asyncio.run(main_async(parser.parse_args().tickets))


if __name__ == "__main__":
    main()
