"""Where a ticket detail's API CPU goes: the same request served in process (no HTTP server,
no load generator) with one layer after another taken away, against bench/floor.py's two
round trips served the same way.

    python -m bench.ablation            (a SecantusDB of its own, or MONGODB_URL)

Each variant runs in a process of its own: 300 requests to warm up, then the best of three
rounds of 2,000 sequential requests, CPU time of the process per request. Sequential and in
process, the numbers are lower than under wrk (no HTTP parsing, no contention) but each
layer's share is measured on its own."""

import argparse
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench.harness import database, seed, service_env

Asgi = Callable[..., Any]
VARIANTS = {
    "floor": "bench/floor.py: two find_one by _id, a dict answered",
    "full": "ticket detail as deployed with METRICS_ENABLED=true",
    "no-metrics": "... without /metrics (the default)",
    "no-access-log": "... and without the access log line",
    "no-middleware": "... and without our middlewares but the request context",
    "service-calls": "the handler's own work only: caller, ticket, answer, JSON (no ASGI)",
}


def build(variant: str) -> Asgi:
    if variant == "floor":
        from bench.floor import app as floor_app

        return floor_app
    os.environ["METRICS_ENABLED"] = "true" if variant == "full" else "false"
    from app.main import create_app

    app = create_app()
    if variant in ("no-access-log", "no-middleware"):
        logging.getLogger("app.request").setLevel(logging.WARNING)
    if variant == "no-middleware":
        keep = "RequestContextMiddleware"  # the client address the login reads
        app.user_middleware = [m for m in app.user_middleware if m.cls.__name__ == keep]  # type: ignore[attr-defined]
    return app


async def call(
    app: Asgi, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b""
) -> tuple[int, bytes]:
    path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "headers": [(k.encode(), v.encode()) for k, v in [*headers, ("host", "bench")]],
        "client": ("127.0.0.1", 40000), "server": ("bench", 80), "root_path": "", "state": {},
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def measure(variant: str) -> float:
    from app.demo import DEMO_PASSWORD

    app = build(variant)
    async with app.router.lifespan_context(app):
        headers: list[tuple[str, str]] = []
        path = "/floor/2"
        if variant != "floor":
            login = json.dumps({"email": "customer1@demo.example", "password": DEMO_PASSWORD})
            _, body = await call(app, "POST", "/api/auth/login/", [("content-type", "application/json")], login.encode())  # fmt: skip
            headers = [("authorization", "Bearer " + json.loads(body)["access_token"])]
            _, body = await call(app, "GET", "/api/support/tickets/?limit=1", headers)
            path = f"/api/support/tickets/{json.loads(body)['tickets'][0]['id']}/"
        request = _direct(app, headers, path) if variant == "service-calls" else None
        for _ in range(300):
            await (request() if request else call(app, "GET", path, headers))
        rounds = []
        for _ in range(3):
            started = time.process_time()
            for _ in range(2000):
                if request is not None:
                    await request()
                    continue
                status, _ = await call(app, "GET", path, headers)
                assert status == 200, status
            rounds.append((time.process_time() - started) / 2000 * 1000)
        return min(rounds)


def _direct(app: Asgi, headers: list[tuple[str, str]], path: str) -> Callable[..., Any]:
    """What ticket_detail's dependencies and handler call, called directly."""
    from pydantic import TypeAdapter

    from app.auth.service import load_current_user
    from app.tickets import service
    from app.tickets.schemas import TicketDetail

    db, settings = app.state.db, app.state.settings
    token, ticket_id = headers[0][1].removeprefix("Bearer "), path.split("/")[-2]
    answer = TypeAdapter(TicketDetail)

    async def request() -> bytes:
        user = await load_current_user(db=db, settings=settings, token=token)
        ticket = await service.get_ticket(db=db, ticket_id=ticket_id)
        return answer.dump_json(await service.read_ticket(db=db, user=user, ticket=ticket))

    return request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variant", choices=VARIANTS)
    args = parser.parse_args()
    if args.variant:  # one variant, in this process, with the environment given
        import uvloop

        print(json.dumps({"ms": uvloop.run(measure(args.variant))}))
        return 0
    with database(f"ablation_{uuid.uuid4().hex[:8]}") as db:
        env = service_env(db, PROMETHEUS_MULTIPROC_DIR=os.path.join(os.getcwd(), ".venv", "prometheus-ablation"), LOG_LEVEL="INFO")  # fmt: skip
        os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
        seed(env, customers=20, agents=2, tickets=200)
        print(f"{'variant':16} {'ms CPU/request':>15}  what runs ({db.description})")
        for variant, what in VARIANTS.items():
            finished = subprocess.run(
                [sys.executable, "-m", "bench.ablation", "--variant", variant],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            ms = json.loads(finished.stdout.strip().splitlines()[-1])["ms"]
            print(f"{variant:16} {ms:15.3f}  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
