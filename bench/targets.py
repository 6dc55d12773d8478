"""The targets of issue 21, measured in one session (`make bench`, after bench.run, or
`make bench-targets`). At --concurrency connections (16) for --duration seconds (10), after a
3 s warm-up, wrk posting a new ticket as --customers customers in turn (Bearer tokens: a
customer's requests are counted by the per-user rate limit, one document each), production mode, one
database (MONGODB_URL, or SecantusDB in its own process), everything on 127.0.0.1:

1. `serve --workers 1`, then `--workers 2`: create req/s, p50, p99;
2. three `serve` instances behind HAProxy (bench.scale's balancer): create p99;
3. during the 2-worker run, an admin's live stream (opened before the load) notes when each
   `ticket.created` event arrives; its delay is that time minus the event's `occurred_at`,
   read from the database (milliseconds; on the wire it has whole seconds). `occurred_at` is
   set inside the write's transaction, before the commit, so this over-states commit -> feed
   a little; then the feed must be gap-free (ids 1..n) with no event left pending;
4. django-helpdesk's ticket list, detail and create (its bench.sh's way: gunicorn, 2 sync
   workers, its wrk script), built by its setup.sh when missing; "not measured" when it
   cannot be. Its list and detail are printed beside the table, to compare with bench.run's
   lists of the same session.

Prints "target | measured | met?" and writes bench/results/targets.json. Cores busy during
each run are noted (ours: the servers, the database, HAProxy, wrk; others: the rest of the
machine). Exits 0 when a target is missed (a report), 1 on an error answer, a gap, or an
event the stream never delivered."""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from app.core.embedded_db import free_port
from bench.harness import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Database,
    Service,
    database,
    pending_events,
    seed,
    service,
    service_env,
    until_numbered,
    wait_ready,
)
from bench.run import RESULTS, Plain, login, percentile, run_wrk
from bench.scale import BOUND, TICKET, balancer, customer, feed_check, settle

CREATE = "/api/support/tickets/create/"
WARMUP_SECONDS = 3
P99_TARGET_MS = 150.0
FEED_P95_TARGET_S = 1.0
PEER_SCRIPTS = Path(os.environ.get("PEER_DIR", "/work/shared/peers/django-helpdesk"))


def peer_root() -> Path:
    return Path(os.environ.get("PEER_ROOT") or Path.home() / ".cache" / "peer")


def cpu_busy() -> float:
    """Seconds of CPU the whole machine has spent busy (all cores)."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def cores(ours: Callable[[], float]) -> Iterator[dict[str, float]]:
    """Cores busy during the block: all of them, ours (`ours()` plus wrk), the others'."""
    found: dict[str, float] = {}
    start, busy, mine = time.monotonic(), cpu_busy(), ours() + children_cpu()
    yield found
    elapsed = time.monotonic() - start
    total = (cpu_busy() - busy) / elapsed
    own = (ours() + children_cpu() - mine) / elapsed
    found.update(busy=round(total, 2), ours=round(own, 2), others=round(max(0.0, total - own), 2))


def wrk(base_url: str, tokens: list[str], concurrency: int, seconds: int) -> dict[str, Any]:
    create = Plain(CREATE, body=TICKET)
    load = argparse.Namespace(concurrency=concurrency, duration=seconds)
    return run_wrk(create, base_url, load, tokens)


async def customers(base_url: str, count: int) -> list[str]:
    """The bearer tokens of `count` new customers (one at a time: password hashing is
    bounded, and refuses what would wait too long)."""
    signed_in = [await customer(base_url) for _ in range(count)]
    return [headers["Authorization"].removeprefix("Bearer ") for headers in signed_in]


async def create_load(
    front: Service, backends: list[Service], db: Database, tokens: list[str], args: Any
) -> dict[str, Any]:
    """wrk posting tickets to `front` (the service, or HAProxy before `backends`): a warm-up,
    then the measured run."""
    servers = [front, *backends]
    await settle(servers)
    warm = await asyncio.to_thread(wrk, front.base_url, tokens, args.concurrency, WARMUP_SECONDS)
    await settle(servers)

    def api() -> float:
        return sum(s.cpu_seconds() for s in servers)

    api_before, db_before = api(), db.cpu_seconds() or 0.0
    with cores(lambda: api() + (db.cpu_seconds() or 0.0)) as busy:
        run = await asyncio.to_thread(wrk, front.base_url, tokens, args.concurrency, args.duration)
    count = max(run["requests"], 1)
    return {
        "requests_per_s": round(run["requests"] / (run["duration_us"] / 1e6), 1),
        "p50_ms": round(run["p50_ms"], 1),
        "p99_ms": round(run["p99_ms"], 1),
        "requests": run["requests"],
        "errors": run["socket_errors"] + run["non_2xx"] + warm["socket_errors"] + warm["non_2xx"],
        # CPU per request of the API processes (with HAProxy) and of the database
        "api_cpu_ms": round((api() - api_before) * 1000 / count, 2),
        "db_cpu_ms": round(((db.cpu_seconds() or 0.0) - db_before) * 1000 / count, 2),
        "cores": busy,
    }


class FeedWatch:
    """An admin's live stream (a stream token, then ?token=): when each ticket.created event
    arrived, by the wall clock (the service's clock: the same machine)."""

    def __init__(self, base_url: str, admin: dict[str, str]) -> None:
        self.base_url, self.admin = base_url, admin
        self.arrived: dict[int, float] = {}
        self.opened = datetime.now().astimezone()
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> "FeedWatch":
        http = await self._stack.enter_async_context(
            httpx.AsyncClient(base_url=self.base_url, timeout=httpx.Timeout(BOUND, read=None))
        )
        token = await http.post("/api/events/stream-token/", headers=self.admin)
        token.raise_for_status()
        stream = await self._stack.enter_async_context(
            http.stream("GET", f"/api/events/stream/?token={token.json()['token']}")
        )
        stream.raise_for_status()
        self.opened = datetime.now().astimezone()
        reader = asyncio.create_task(self._read(stream))
        self._stack.push_async_callback(self._stop, reader)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    @staticmethod
    async def _stop(reader: "asyncio.Task[None]") -> None:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader

    async def _read(self, stream: httpx.Response) -> None:
        seq, kind = 0, ""
        async for line in stream.aiter_lines():
            if line.startswith("id:"):
                seq = int(line[3:])
            elif line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:") and kind == "ticket.created":
                self.arrived[seq] = time.time()

    async def delays(self, db: Database) -> dict[str, Any]:
        """Seconds from each ticket.created event's occurred_at (those since the stream
        opened) to its arrival, once every one has arrived (at most BOUND seconds)."""
        from pymongo import AsyncMongoClient

        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(db.url, tz_aware=True)
        try:
            deadline = time.monotonic() + BOUND
            while True:
                query = {"type": "ticket.created", "occurred_at": {"$gte": self.opened}}
                found = client[db.name].events.find(query, {"seq": 1, "occurred_at": 1})
                written = {e.get("seq"): e["occurred_at"].timestamp() async for e in found}
                missing = [s for s in written if s not in self.arrived]
                if not missing or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
        finally:
            await client.close()
        delays = [self.arrived[s] - at for s, at in written.items() if s in self.arrived]
        return {
            "events": len(written),
            "missing_from_stream": len(missing),
            "p50_s": round(percentile(delays, 50), 3),
            "p95_s": round(percentile(delays, 95), 3),
            "max_s": round(max(delays, default=0.0), 3),
        }


def peer_runs(concurrency: int, seconds: int) -> dict[str, Any]:
    """django-helpdesk's ticket list, detail (a random ticket) and create as its bench.sh
    measures them, on a fresh copy of its seeded database; {"measured": False, "why": ...}
    when it is not set up and cannot be."""
    root = peer_root()
    built = [root / "venv/bin/gunicorn", root / "site/db.pristine.sqlite3", root / "seed.out"]
    how = f"bash {PEER_SCRIPTS}/setup.sh (builds it under $PEER_ROOT, by default ~/.cache/peer)"
    if not all(p.exists() for p in built):
        if not (PEER_SCRIPTS / "setup.sh").exists():
            return {"measured": False, "why": f"no {PEER_SCRIPTS}/setup.sh; set it up: {how}"}
        print(f"django-helpdesk is not set up: {how} ...", file=sys.stderr)
        log = RESULTS / "peer-setup.log"
        with log.open("wb") as out:
            done = subprocess.run(["bash", str(PEER_SCRIPTS / "setup.sh")], stdout=out, stderr=out)
        if done.returncode != 0:
            return {"measured": False, "why": f"its setup failed (see {log}); set it up: {how}"}
    seeded = dict(
        line.split("=", 1) for line in (root / "seed.out").read_text().split() if "=" in line
    )
    site = root / "site"
    for stale in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"):
        (site / stale).unlink(missing_ok=True)
    shutil.copy(site / "db.pristine.sqlite3", site / "db.sqlite3")
    port = free_port()
    log_file = (RESULTS / "peer-gunicorn.log").open("wb")
    server = subprocess.Popen(
        [str(root / "venv/bin/gunicorn"), "peersite.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "sync", "--log-level", "warning"],
        cwd=site, stdout=log_file, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log_file.close()
    try:
        peer = Service(server, f"http://127.0.0.1:{port}", {})
        wait_ready(peer, path="/ok")
        body = {"queue": int(seeded["QUEUE_ID"]), "title": "Printer on fire", "priority": 3,
                "description": "The office printer is on fire again, please help.",
                "submitter_email": "someone@example.com"}  # fmt: skip
        url = f"{peer.base_url}/helpdesk/api/tickets/"
        auth = {"WRK_AUTH": f"Token {seeded['TOKEN']}"}
        shapes = {  # its bench.sh's hd_list, hd_detail, hd_create
            "list": auth,
            "detail": {**auth, "WRK_ID_PREFIX": "/helpdesk/api/tickets/",
                       "WRK_ID_MAX": seeded["TICKET_ID_MAX"]},
            "create": {**auth, "WRK_METHOD": "POST", "WRK_BODY": json.dumps(body)},
        }  # fmt: skip
        measured: dict[str, Any] = {"measured": True}
        for shape, wrk_env in shapes.items():
            for run_seconds in (WARMUP_SECONDS, seconds):
                asyncio.run(settle([peer]))
                command = ["wrk", "-t2", f"-c{concurrency}", f"-d{run_seconds}s", "--timeout",
                           "30s", "-s", str(PEER_SCRIPTS / "wrk/bench.lua"), url]  # fmt: skip
                out = subprocess.run(
                    command, env={**os.environ, **wrk_env}, capture_output=True, text=True,
                    check=True,
                )  # fmt: skip
                line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
                found = json.loads(line[7:])
            measured[shape] = {
                "requests_per_s": round(found["rps"], 1),
                "p50_ms": round(found["p50_ms"], 1),
                "p99_ms": round(found["p99_ms"], 1),
                "errors": found["errors"],
            }
        return measured
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


async def session(db: Database, env: dict[str, str], args: Any, tmp: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    with service(env, workers=1, log_path=RESULTS / "targets-serve-1-worker.log") as one:
        # Seeded with a service running, whose sequencer numbers the events as they commit, as
        # in production (a backlog of thousands of pending events at a sequencer's first start
        # is numbered in one query and one transaction: see docs/benchmarks.md).
        print(f"seeding {args.tickets} tickets into {db.description} ...", file=sys.stderr)
        await asyncio.to_thread(seed, env, customers=50, agents=5, tickets=args.tickets)
        await until_numbered(db)
        tokens = await customers(one.base_url, args.customers)
        found["1 worker"] = await create_load(one, [], db, tokens, args)
    print(f"1 worker: {found['1 worker']}", file=sys.stderr)
    with service(env, workers=2, log_path=RESULTS / "targets-serve-2-workers.log") as two:
        async with httpx.AsyncClient(base_url=two.base_url, timeout=BOUND) as http:
            admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
        async with FeedWatch(two.base_url, admin) as watch:
            found["2 workers"] = await create_load(two, [], db, tokens, args)
            found["commit to feed"] = await watch.delays(db)
        found["feed"] = {**await feed_check(two.base_url), "pending": await pending_events(db)}
    print(f"2 workers: {found['2 workers']}\n{found['commit to feed']}", file=sys.stderr)
    with ExitStack() as stack:
        instances = [
            stack.enter_context(
                service(env, workers=1, log_path=RESULTS / f"targets-serve-instance-{n}.log")
            )
            for n in range(1, args.instances + 1)
        ]
        front = stack.enter_context(balancer(tmp, [i.base_url for i in instances], env))
        found["balancer"] = await create_load(front, instances, db, tokens, args)
    print(f"{args.instances} instances behind HAProxy: {found['balancer']}", file=sys.stderr)
    return found


def verdicts(found: dict[str, Any], instances: int) -> list[dict[str, Any]]:
    one, two, front = found["1 worker"], found["2 workers"], found["balancer"]
    delay, feed, peer = found["commit to feed"], found["feed"], found["django-helpdesk"]
    rows = [
        ("create p99, 2 workers < 150 ms", f"{two['p99_ms']} ms (p50 {two['p50_ms']})",
         two["p99_ms"] < P99_TARGET_MS),
        (f"create p99, HAProxy + {instances} instances < 150 ms",
         f"{front['p99_ms']} ms (p50 {front['p50_ms']}, {front['requests_per_s']} req/s)",
         front["p99_ms"] < P99_TARGET_MS),
        ("create req/s, 2 workers >= 1 worker",
         f"{two['requests_per_s']} vs {one['requests_per_s']} (1 worker p99 {one['p99_ms']} ms)",
         two["requests_per_s"] >= one["requests_per_s"]),
        ("create req/s, 2 workers >= django-helpdesk",
         f"{two['requests_per_s']} vs {peer['create']['requests_per_s']} "
         f"(its p99 {peer['create']['p99_ms']} ms)"
         if peer["measured"] else f"not measured: {peer['why']}",
         two["requests_per_s"] >= peer["create"]["requests_per_s"] if peer["measured"] else None),
        ("commit -> feed p95 <= 1 s (under the 2-worker load)",
         f"{delay['p95_s']} s (p50 {delay['p50_s']}, max {delay['max_s']}, "
         f"{delay['events']} events)", delay["p95_s"] <= FEED_P95_TARGET_S),
        ("feed gap-free, nothing pending",
         f"ids 1..{feed['events']}, {feed['pending']} pending",
         feed["gap_free"] and not feed["pending"]),
    ]  # fmt: skip
    return [{"target": t, "measured": m, "met": ok} for t, m, ok in rows]


def print_table(rows: list[dict[str, Any]], found: dict[str, Any]) -> None:
    width = max(len(r["target"]) for r in rows)
    print(f"{'target':{width}} | {'measured':60} | met?")
    print(f"{'-' * width}-+-{'-' * 60}-+-----")
    for row in rows:
        met = {True: "yes", False: "NO", None: "-"}[row["met"]]
        print(f"{row['target']:{width}} | {row['measured']:60} | {met}")
    if (peer := found["django-helpdesk"])["measured"]:
        print("django-helpdesk in this session (its API, 2 gunicorn workers, SQLite): " + "; ".join(
            f"{shape} {run['requests_per_s']} req/s, p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms"
            for shape, run in peer.items() if shape != "measured"
        ))  # fmt: skip
    loads = {k: v for k, v in found.items() if "cores" in v}
    print("cores busy during each run (of 2): " + "; ".join(
        f"{name}: ours {v['cores']['ours']}, others {v['cores']['others']}"
        for name, v in loads.items()
    ))  # fmt: skip


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "app"], capture_output=True)
    return done.stdout.strip() + (" (app/ modified)" if dirty.stdout.strip() else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--instances", type=int, default=3, help="behind HAProxy")
    parser.add_argument("--customers", type=int, default=16, help="whose tickets are created")
    parser.add_argument("--tickets", type=int, default=2000, help="seeded (django-helpdesk: 2000)")
    parser.add_argument("--no-peer", action="store_true", help="skip django-helpdesk")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a service setting"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "targets.json")
    args = parser.parse_args()
    for tool in ("wrk", "haproxy"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (Debian: apt-get install {tool})", file=sys.stderr)
            return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    with (
        database(f"targets_{uuid.uuid4().hex[:8]}") as db,
        tempfile.TemporaryDirectory(prefix="support-targets-") as tmp,
    ):
        # HAProxy is the only peer that may set X-Forwarded-For; the load is one user on one
        # address, so the rate limits are lifted (service_env).
        settings = dict(setting.split("=", 1) for setting in args.set)
        env = service_env(db, TRUSTED_PROXIES="127.0.0.1/32", **settings)
        found = asyncio.run(session(db, env, args, Path(tmp)))
    found["django-helpdesk"] = (
        {"measured": False, "why": "--no-peer"}
        if args.no_peer
        else peer_runs(args.concurrency, args.duration)
    )
    rows = verdicts(found, args.instances)
    print_table(rows, found)
    report = {
        "targets": rows,
        "runs": found,
        "commit": commit(),
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "database": db.description,
        "duration_s": args.duration,
        "concurrency": args.concurrency,
        "settings": args.set,
    }  # fmt: skip
    args.output.write_text(json.dumps(report, indent=2))
    print(f"written to {args.output}")
    errors = any(found[run]["errors"] for run in ("1 worker", "2 workers", "balancer"))
    broken = errors or rows[-1]["met"] is False
    return 1 if broken or found["commit to feed"]["missing_from_stream"] else 0


if __name__ == "__main__":
    sys.exit(main())
