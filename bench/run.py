"""`make bench`: throughput and latency per endpoint, against the framework's own ceiling.

Starts the service in production mode (`python -m app serve --workers W`) against MONGODB_URL
or a SecantusDB server of its own, seeds it with `seed-demo`, then drives each scenario from
this process for a fixed time at a fixed concurrency (127.0.0.1 only, bounded in time and
requests). Prints a table and writes bench/results/latest.json.

Besides wall-clock numbers it reports the CPU time the API processes spent per request, which
isolates the service's own cost from the database's (the database runs in its own process;
for the embedded SecantusDB its CPU per request is reported too)."""

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.demo import DEMO_PASSWORD
from bench.harness import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Database,
    Service,
    database,
    seed,
    service,
    service_env,
)

RESULTS = Path(__file__).parent / "results"


@dataclass
class Recorder:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[int] = field(default_factory=Counter)

    async def call(self, request: Awaitable[httpx.Response]) -> httpx.Response:
        start = time.perf_counter()
        response = await request
        self.latencies_ms.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            self.errors[response.status_code] += 1
        return response


Step = Callable[[httpx.AsyncClient, int, Recorder], Awaitable[None]]


@dataclass
class Fixtures:
    admin: dict[str, str]
    customer: dict[str, str]
    customers: list[dict[str, str]]
    customer_emails: list[str]
    agent: dict[str, str]
    customer_ticket_ids: list[str]
    deep_cursor: str
    open_ticket_ids: list[str]


async def login(http: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await http.post("/api/auth/login/", json={"email": email, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def prepare(http: httpx.AsyncClient, customers: int) -> Fixtures:
    emails = [f"customer{i}@demo.example" for i in range(1, min(customers, 20) + 1)]
    logged_in = [await login(http, e, DEMO_PASSWORD) for e in emails]
    customer = logged_in[0]
    mine = (await http.get("/api/support/tickets/?limit=100", headers=customer)).json()["tickets"]
    cursor = None
    for _ in range(3):  # the 4th page of 10
        cursor = (await http.get(
            "/api/support/tickets/?limit=10" + (f"&cursor={cursor}" if cursor else ""), headers=customer
        )).json()["next_cursor"]  # fmt: skip
    admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
    open_ids: list[str] = []
    page_cursor = None
    while len(open_ids) < 5000:
        query = "?status=Open&limit=100" + (f"&cursor={page_cursor}" if page_cursor else "")
        page = (await http.get(f"/api/admin/support/tickets/{query}", headers=admin)).json()
        open_ids += [t["id"] for t in page["tickets"] if t["agent_id"] is None]
        page_cursor = page["next_cursor"]
        if page_cursor is None:
            break
    return Fixtures(
        admin=admin,
        customer=customer,
        customers=logged_in,
        customer_emails=emails,
        agent=await login(http, "agent1@demo.example", DEMO_PASSWORD),
        customer_ticket_ids=[t["id"] for t in mine],
        deep_cursor=cursor or "",
        open_ticket_ids=open_ids,
    )


def scenarios(fx: Fixtures) -> dict[str, Step]:
    async def health(http: httpx.AsyncClient, i: int, rec: Recorder) -> None:
        await rec.call(http.get("/api/health/"))

    async def customer_list(http: httpx.AsyncClient, i: int, rec: Recorder) -> None:
        await rec.call(http.get("/api/support/tickets/", headers=fx.customer))

    async def customer_deep_page(http: httpx.AsyncClient, i: int, rec: Recorder) -> None:
        await rec.call(
            http.get(f"/api/support/tickets/?limit=10&cursor={fx.deep_cursor}", headers=fx.customer)
        )

    async def detail(http: httpx.AsyncClient, i: int, rec: Recorder) -> None:
        ticket_id = fx.customer_ticket_ids[i % len(fx.customer_ticket_ids)]
        await rec.call(http.get(f"/api/support/tickets/{ticket_id}/", headers=fx.customer))

    async def agent_queue(http: httpx.AsyncClient, i: int, rec: Recorder) -> None:
        await rec.call(http.get("/api/agent/tickets/", headers=fx.agent))

    async def admin_list(http: httpx.AsyncClient, i: int, rec: Recorder) -> None:
        await rec.call(http.get("/api/admin/support/tickets/", headers=fx.admin))

    async def create(http: httpx.AsyncClient, i: int, rec: Recorder) -> None:
        body = {
            "subject": "Package arrived damaged",
            "description": "Box crushed",
            "category": "Damaged",
        }
        await rec.call(
            http.post(
                "/api/support/tickets/create/",
                json=body,
                headers=fx.customers[i % len(fx.customers)],
            )
        )

    async def work_a_ticket(http: httpx.AsyncClient, i: int, rec: Recorder) -> None:
        if not fx.open_ticket_ids:
            raise StopAsyncIteration
        ticket = f"/api/support/tickets/{fx.open_ticket_ids.pop()}"
        await rec.call(http.post(f"{ticket}/assign-self/", headers=fx.agent))
        await rec.call(
            http.put(f"{ticket}/update-status/", json={"status": "On Hold"}, headers=fx.agent)
        )
        await rec.call(
            http.post(f"{ticket}/add-note/", json={"note": "Asked for photos"}, headers=fx.agent)
        )

    async def login_step(http: httpx.AsyncClient, i: int, rec: Recorder) -> None:
        email = fx.customer_emails[i % len(fx.customer_emails)]
        await rec.call(
            http.post("/api/auth/login/", json={"email": email, "password": DEMO_PASSWORD})
        )

    return {
        "health (framework ceiling)": health,
        "customer list, first page": customer_list,
        "customer list, cursor page 4": customer_deep_page,
        "ticket detail as customer": detail,
        "agent queue": agent_queue,
        "admin list with names": admin_list,
        "create ticket": create,
        "assign-self + update-status + add-note": work_a_ticket,
        "login (argon2id)": login_step,
    }


async def drive(
    http: httpx.AsyncClient, step: Step, *, duration: float, concurrency: int, max_requests: int
) -> tuple[Recorder, float]:
    recorder = Recorder()
    deadline = time.monotonic() + duration
    counter = iter(range(max_requests))

    async def worker() -> None:
        for i in counter:
            if time.monotonic() >= deadline:
                return
            try:
                await step(http, i, recorder)
            except StopAsyncIteration:
                return

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return recorder, time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def benchmark(handle: Service, db: Database, args: argparse.Namespace) -> dict[str, Any]:
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    async with httpx.AsyncClient(base_url=handle.base_url, limits=limits, timeout=60) as http:
        fixtures = await prepare(http, args.customers)
        results: list[dict[str, Any]] = []
        peak_rss = max(handle.rss_mib())
        ceiling = None
        for name, step in scenarios(fixtures).items():
            if args.only and name not in args.only and not name.startswith("health"):
                continue
            cpu_before, db_before = handle.cpu_seconds(), db.cpu_seconds()
            recorder, elapsed = await drive(
                http,
                step,
                duration=args.duration,
                concurrency=args.concurrency,
                max_requests=args.max_requests,
            )
            cpu, db_cpu = handle.cpu_seconds() - cpu_before, db.cpu_seconds()
            rss = handle.rss_mib()
            peak_rss = max(peak_rss, *rss)
            count = len(recorder.latencies_ms)
            rps = count / elapsed if elapsed else 0.0
            ceiling = ceiling or rps
            results.append({
                "scenario": name,
                "requests": count,
                "requests_per_s": round(rps, 1),
                "p50_ms": round(percentile(recorder.latencies_ms, 50), 1),
                "p95_ms": round(percentile(recorder.latencies_ms, 95), 1),
                "p99_ms": round(percentile(recorder.latencies_ms, 99), 1),
                "mean_ms": round(statistics.fmean(recorder.latencies_ms), 1) if count else 0.0,
                "errors": sum(recorder.errors.values()),
                "error_statuses": dict(recorder.errors),
                "ratio_to_health": round(rps / ceiling, 3) if ceiling else None,
                "api_cpu_ms_per_request": round(cpu * 1000 / count, 2) if count else None,
                "db_cpu_ms_per_request": (
                    round((db_cpu - db_before) * 1000 / count, 2) if count and db_cpu is not None and db_before is not None else None
                ),
                "rss_mib_per_worker": [round(m, 1) for m in rss],
            })  # fmt: skip
    return {"scenarios": results, "peak_rss_mib_per_worker": round(peak_rss, 1)}


def print_table(report: dict[str, Any]) -> None:
    header = f"{'scenario':40} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'err':>4} {'x health':>8} {'API CPU':>8} {'DB CPU':>8}"
    print(header)
    print("-" * len(header))
    for row in report["scenarios"]:
        db_cpu = row["db_cpu_ms_per_request"]
        print(
            f"{row['scenario']:40} {row['requests_per_s']:8.1f} {row['p50_ms']:7.1f} {row['p95_ms']:7.1f} "
            f"{row['p99_ms']:7.1f} {row['errors']:4d} {row['ratio_to_health']:8.3f} "
            f"{row['api_cpu_ms_per_request']:8.2f} {db_cpu if db_cpu is not None else '-':>8}"
        )
    print(
        f"latency in ms; CPU in ms per request; peak RSS per worker {report['peak_rss_mib_per_worker']} MiB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--max-requests", type=int, default=200_000, help="per scenario, upper bound"
    )
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--only", action="append", help="run only this scenario (repeatable)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args()

    with database(f"bench_{uuid.uuid4().hex[:8]}") as db:
        # The load comes from one address and logs one account in 32 times at once: the
        # throttles (which count attempts in flight) and the hashing-slot wait would refuse
        # most of it. The benchmark measures the work, so it lifts them.
        env = service_env(
            db,
            LOGIN_MAX_FAILURES="1000000",
            LOGIN_ADDRESS_MAX_FAILURES="1000000",
            LOGIN_ACCOUNT_MAX_FAILURES="1000000",
            PASSWORD_HASH_WAIT_SECONDS="60",  # noqa: S106 - a number of seconds
        )
        print(f"seeding {args.tickets} tickets into {db.description} ...", file=sys.stderr)
        seed(env, customers=args.customers, agents=args.agents, tickets=args.tickets)
        with service(env, workers=args.workers, log_path=RESULTS / "bench-service.log") as handle:
            report = asyncio.run(benchmark(handle, db, args))
    report.update({
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "database": db.description,
        "workers": args.workers,
        "duration_s": args.duration,
        "concurrency": args.concurrency,
        "data": {"customers": args.customers, "agents": args.agents, "tickets": args.tickets},
    })  # fmt: skip
    print_table(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2))
    print(f"written to {args.output}")
    return 1 if any(row["errors"] for row in report["scenarios"]) else 0


if __name__ == "__main__":
    sys.exit(main())
