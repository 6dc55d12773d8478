"""`make scale`: the service behind a load balancer. One database (MONGODB_URL, or a SecantusDB
server in its own process), three `python -m app serve` instances in production mode (one
worker each, one JWT_SECRET) and HAProxy in front (roundrobin, a health check on /api/ready/),
everything on 127.0.0.1. Prints:

- create-ticket req/s and p50/p99 through the balancer with 1, 2 and 3 instances behind it
  (wrk when installed, else the Python load generator; fixed time and concurrency);
- the delay from a write's answer on one instance to its event on a stream opened on another;
- whether the feed is gap-free at the end (ids 1..n, every ticket created in it).

Writes bench/results/scale.json. Exits 1 on a gap or an error answer."""

import argparse
import asyncio
import contextlib
import csv
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from app.core.embedded_db import free_port
from app.core.pagination import MAX_PAGE_SIZE
from bench.harness import ADMIN_EMAIL, ADMIN_PASSWORD, Service, database, service, service_env
from bench.run import RESULTS, Plain, login, measure, percentile

TICKET = {"subject": "Package arrived damaged", "description": "Box crushed", "category": "Damaged"}
BOUND = 30  # seconds: a bound on every wait (start, health checks, an event)

HAPROXY_CONFIG = """\
global
    nbthread 1
    maxconn 4096
    stats socket {socket} mode 600 level admin

defaults
    mode http
    option forwardfor
    timeout connect 5s
    timeout client 60s
    timeout server 60s

frontend api
    bind 127.0.0.1:{port}
    default_backend serve

backend serve
    balance roundrobin
    option httpchk
    http-check send meth GET uri /api/ready/ ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server inter 1s fall 2 rise 1
{servers}
"""


def haproxy_config(directory: Path, port: int, backends: list[str]) -> Path:
    """HAProxy's configuration for `backends` (base URLs), in `directory`."""
    servers = "\n".join(
        f"    server serve{n} {base.removeprefix('http://')} check"
        for n, base in enumerate(backends, 1)
    )
    path = directory / "haproxy.cfg"
    socket_path = directory / "haproxy.sock"
    path.write_text(HAPROXY_CONFIG.format(socket=socket_path, port=port, servers=servers))
    return path


def servers_up(socket_path: Path) -> int:
    """How many servers of the backend HAProxy's health checks have marked UP."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(socket_path))
        sock.sendall(b"show stat\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    rows = csv.DictReader(answer.decode().removeprefix("# ").splitlines())
    return sum(1 for row in rows if row["svname"].startswith("serve") and row["status"] == "UP")


@contextlib.contextmanager
def balancer(directory: Path, backends: list[str], env: dict[str, str]) -> Iterator[Service]:
    """HAProxy in front of `backends`, yielded once its health checks see every one UP."""
    port = free_port()
    config = haproxy_config(directory, port, backends)
    checked = subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], capture_output=True)
    if checked.returncode != 0:
        raise RuntimeError(f"haproxy -c refused {config}: {checked.stderr.decode()}")
    log = (directory / "haproxy.log").open("wb")
    process = subprocess.Popen(
        ["haproxy", "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    try:
        deadline = time.monotonic() + BOUND
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"haproxy exited with {process.returncode}; see {log.name}")
            with contextlib.suppress(OSError):
                if servers_up(directory / "haproxy.sock") == len(backends):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"HAProxy did not see {len(backends)} servers UP")
            time.sleep(0.2)
        yield Service(process, f"http://127.0.0.1:{port}", env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


async def customer(base: str) -> dict[str, str]:
    user = {"email": f"c-{uuid.uuid4().hex[:10]}@scale.example", "password": "scale-password-1"}
    async with httpx.AsyncClient(base_url=base, timeout=BOUND) as http:
        signed_up = await http.post("/api/auth/register/", json={**user, "name": "Scale"})
        signed_up.raise_for_status()
        return await login(http, user["email"], user["password"])


async def settle(instances: list[Service]) -> None:
    """Until the instances are idle (bounded): wrk stops at its deadline while the servers
    still work through what they had accepted."""
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        before = sum(i.cpu_seconds() for i in instances)
        await asyncio.sleep(0.3)
        if sum(i.cpu_seconds() for i in instances) - before < 0.03 * len(instances):
            return


async def stream_delays(instances: list[Service], writes: int) -> list[float]:
    """Milliseconds from each write's answer on the first instance to its event on a stream
    opened on the last (0 when the event came first), one write at a time."""
    headers = await customer(instances[0].base_url)
    arrived: dict[str, float] = {}
    answered: dict[str, float] = {}
    arrival = asyncio.Condition()
    async with (
        httpx.AsyncClient(timeout=BOUND) as http,
        http.stream(
            "GET", f"{instances[-1].base_url}/api/events/stream/", headers=headers
        ) as stream,
    ):
        stream.raise_for_status()

        async def read() -> None:
            async for line in stream.aiter_lines():
                if line.startswith("data:"):
                    async with arrival:
                        arrived[json.loads(line[5:])["ticket_id"]] = time.perf_counter()
                        arrival.notify_all()

        reader = asyncio.create_task(read())
        for _ in range(writes):
            created = await http.post(
                f"{instances[0].base_url}/api/support/tickets/create/", json=TICKET, headers=headers
            )
            created.raise_for_status()
            ticket_id = created.json()["ticket"]["id"]
            answered[ticket_id] = time.perf_counter()
            async with asyncio.timeout(BOUND), arrival:
                await arrival.wait_for(lambda: ticket_id in arrived)  # noqa: B023 - awaited here
            # The next write at a random moment, not in step with the instances' polling.
            await asyncio.sleep(random.uniform(0, 0.5))
        reader.cancel()
    return [max(0.0, (arrived[t] - answered[t]) * 1000) for t in answered]


async def feed_check(base: str) -> dict[str, Any]:
    """The whole feed as the admin sees it: ids must be 1..n."""
    async with httpx.AsyncClient(base_url=base, timeout=BOUND) as http:
        admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
        ids: list[int] = []
        created = 0
        cursor = ""
        while True:
            page = await http.get(f"/api/events/?limit={MAX_PAGE_SIZE}{cursor}", headers=admin)
            page.raise_for_status()
            events = page.json()["events"]
            ids += [int(event["id"]) for event in events]
            created += sum(1 for event in events if event["type"] == "ticket.created")
            if len(events) < MAX_PAGE_SIZE or not page.json()["next_cursor"]:
                break
            cursor = f"&cursor={page.json()['next_cursor']}"
    return {
        "events": len(ids),
        "tickets_created_in_feed": created,
        "gap_free": ids == list(range(1, len(ids) + 1)),
    }


async def scenario(instances: list[Service], args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    headers = await customer(instances[0].base_url)
    create = Plain("/api/support/tickets/create/", headers, body=TICKET)
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    rows = []
    for count in range(1, len(instances) + 1):
        behind = instances[:count]
        step = tmp / f"haproxy-{count}"
        step.mkdir()
        with balancer(step, [i.base_url for i in behind], instances[0].env) as front:
            await settle(instances)
            run = await measure(create, front, args, limits)
            await settle(instances)
        rows.append({
            "instances": count,
            "load": run["load"],
            "requests": run["requests"],
            "requests_per_s": round(run["requests"] / run["elapsed"], 1),
            "p50_ms": round(run["p50"], 1),
            "p99_ms": round(run["p99"], 1),
            "errors": run["errors"],
        })  # fmt: skip
        print(
            f"create ticket through HAProxy, {count} instance(s): "
            f"{rows[-1]['requests_per_s']} req/s, p50 {rows[-1]['p50_ms']} ms, "
            f"p99 {rows[-1]['p99_ms']} ms, {run['errors']} errors ({run['load']})",
            flush=True,
        )
    delays = await stream_delays(instances, args.stream_writes)
    stream = {
        "writes": len(delays),
        "p50_ms": round(percentile(delays, 50), 1),
        "p95_ms": round(percentile(delays, 95), 1),
        "max_ms": round(max(delays), 1),
    }
    print(
        f"write on instance 1 -> stream on instance {len(instances)}: p50 {stream['p50_ms']} ms, "
        f"p95 {stream['p95_ms']} ms, max {stream['max_ms']} ms ({stream['writes']} writes)"
    )
    feed = await feed_check(instances[0].base_url)
    verdict = "gap-free" if feed["gap_free"] else "HAS GAPS"
    print(
        f"feed at the end: {feed['events']} events, {verdict}, "
        f"{feed['tickets_created_in_feed']} tickets created in it"
    )
    return {"through_balancer": rows, "write_to_stream": stream, "feed": feed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per step")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--stream-writes", type=int, default=40)
    parser.add_argument("--max-requests", type=int, default=100_000, help="per step")
    parser.add_argument(
        "--python-load", action="store_true", help="the Python generator even where wrk is"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "scale.json")
    args = parser.parse_args()
    if shutil.which("haproxy") is None:
        print("haproxy is not installed (Debian: apt-get install haproxy)", file=sys.stderr)
        return 2

    with (
        database(f"scale_{uuid.uuid4().hex[:8]}") as db,
        tempfile.TemporaryDirectory(prefix="support-scale-") as tmp,
        ExitStack() as stack,
    ):
        # One service: one database, one secret. HAProxy is the only peer that may set
        # X-Forwarded-For; the load is one user on one address, so the rate limits are lifted.
        env = service_env(db, TRUSTED_PROXIES="127.0.0.1/32")
        print(f"{args.instances} instances on {db.description} ...", file=sys.stderr)
        instances = [
            stack.enter_context(service(env, workers=1, log_path=RESULTS / f"scale-serve-{n}.log"))
            for n in range(1, args.instances + 1)
        ]
        report = asyncio.run(scenario(instances, args, Path(tmp)))
    report.update({
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "database": db.description,
        "duration_s": args.duration,
        "concurrency": args.concurrency,
    })  # fmt: skip
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2))
    print(f"written to {args.output}")
    failed = not report["feed"]["gap_free"] or any(r["errors"] for r in report["through_balancer"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
