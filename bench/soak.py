"""`make soak DURATION=60 CLIENTS=20`: the reference's complete example flow from many
concurrent clients against the service in production mode, for a fixed time.

Reports flows completed, requests, every answer that is neither 2xx nor a 4xx the flow
expects, the 5xx count (must be 0), and the service's memory at start and end."""

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

from bench.harness import ADMIN_EMAIL, ADMIN_PASSWORD, Service, database, service, service_env

RESULTS = Path(__file__).parent / "results"


class Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.flows = 0
        self.statuses: Counter[int] = Counter()
        self.unexpected: Counter[str] = Counter()

    def record(self, step: str, response: httpx.Response, expected: int) -> bool:
        self.requests += 1
        self.statuses[response.status_code] += 1
        if response.status_code != expected:
            self.unexpected[f"{step} -> {response.status_code}"] += 1
            return False
        return True


async def login(http: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await http.post("/api/auth/login/", json={"email": email, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def one_client(
    http: httpx.AsyncClient, admin: dict[str, str], stats: Stats, deadline: float, max_flows: int
) -> None:
    """A customer and an approved agent of its own, then the example flow over and over."""
    tag = uuid.uuid4().hex[:10]
    customer = {
        "email": f"c-{tag}@soak.example",
        "password": "soak-password-1",
        "name": "Soak Customer",
    }
    agent = {"email": f"a-{tag}@soak.example", "password": "soak-password-1", "name": "Soak Agent"}
    await http.post("/api/auth/register/", json=customer)
    agent_id = (await http.post("/api/support/register-agent/", json=agent)).json()["user"]["id"]
    await http.post(f"/api/admin/approve-agent/{agent_id}/", headers=admin)
    as_customer = await login(http, customer["email"], customer["password"])
    as_agent = await login(http, agent["email"], agent["password"])
    while time.monotonic() < deadline and stats.flows < max_flows:
        created = await http.post(
            "/api/support/tickets/create/",
            json={
                "subject": "Product damaged",
                "description": "Item arrived broken",
                "category": "Damaged",
            },
            headers=as_customer,
        )
        if not stats.record("create", created, 201):
            continue
        ticket_id = created.json()["ticket"]["id"]
        steps = [
            ("queue", http.get("/api/agent/tickets/?status=Open&limit=10", headers=as_agent), 200),
            ("assign-self", http.post(f"/api/support/tickets/{ticket_id}/assign-self/", headers=as_agent), 200),
            ("update-status", http.put(
                f"/api/support/tickets/{ticket_id}/update-status/",
                json={"status": "Resolved", "priority": "High"}, headers=as_agent), 200),
            ("feedback", http.post(
                f"/api/support/tickets/{ticket_id}/feedback/",
                json={"rating": "5", "comment": "Great support!"}, headers=as_customer), 201),
            ("my tickets", http.get("/api/support/tickets/?limit=10", headers=as_customer), 200),
        ]  # fmt: skip
        ok = True
        for step, request, expected in steps:
            ok = stats.record(step, await request, expected) and ok
        stats.flows += ok


async def soak(
    handle: Service, *, duration: float, clients: int, max_flows: int
) -> dict[str, object]:
    stats = Stats()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=handle.base_url, limits=limits, timeout=30) as http:
        admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
        memory_start = handle.rss_mib()
        deadline = time.monotonic() + duration
        await asyncio.gather(
            *(one_client(http, admin, stats, deadline, max_flows) for _ in range(clients))
        )
        memory_end = handle.rss_mib()
    return {
        "duration_s": duration,
        "clients": clients,
        "flows_completed": stats.flows,
        "requests": stats.requests,
        "statuses": dict(sorted(stats.statuses.items())),
        "unexpected_answers": dict(stats.unexpected),
        "server_errors_5xx": sum(n for code, n in stats.statuses.items() if code >= 500),
        "rss_mib_start": [round(m, 1) for m in memory_start],
        "rss_mib_end": [round(m, 1) for m in memory_end],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--max-flows", type=int, default=100_000, help="upper bound on flows")
    args = parser.parse_args()
    with database(f"soak_{uuid.uuid4().hex[:8]}") as db:
        # Every soak client signs up from 127.0.0.1: lift the per-address sign-up throttle.
        env = service_env(db, REGISTRATIONS_PER_HOUR="1000000")
        with service(env, workers=args.workers, log_path=RESULTS / "soak-service.log") as handle:
            report = asyncio.run(
                soak(handle, duration=args.duration, clients=args.clients, max_flows=args.max_flows)
            )
    report["database"] = db.description
    print(json.dumps(report, indent=2))
    (RESULTS / "soak-latest.json").write_text(json.dumps(report, indent=2))
    return 1 if report["server_errors_5xx"] or report["unexpected_answers"] else 0


if __name__ == "__main__":
    sys.exit(main())
