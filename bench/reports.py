"""How long a report takes on the embedded database: 10,000 tickets created over 30 days (most
resolved, a third of those rated, one in twenty reopened), then the 30-day overview with each grouping, the agent
stats, and the lists with filters and search over the same data. In-process, through the app.

    python -m bench.reports [--tickets 10000]
"""

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from bson import ObjectId

from app.core.clock import utcnow
from app.core.embedded_db import embedded_database
from app.tickets.documents import (
    Category,
    Priority,
    TicketStatus,
    missed_by,
    new_feedback,
    new_ticket,
)
from app.tickets.sla import DEFAULT_POLICY, start_clock
from tests.conftest import http_client, make_settings, running_app
from tests.factories import make_actors

REPEAT = 5


async def seed(db, actors, tickets: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(1)
    now = utcnow()
    agents = [ObjectId(actors.agent.id), ObjectId(actors.other_agent.id)]
    docs, feedback = [], []
    for n in range(tickets):
        created = now - timedelta(minutes=rng.randint(0, 30 * 24 * 60), milliseconds=n % 1000)
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
        priority = rng.choice(list(Priority))
        status = rng.choices(list(TicketStatus), [1, 2, 1, 4, 2])[0]
        ticket = new_ticket(
            customer_id=ObjectId(rng.choice([actors.customer.id, actors.other_customer.id])),
            subject="Parcel damaged in transit",
            description="The box was crushed",
            category=rng.choice(list(Category)),
            status=status,
            priority=priority,
            agent_id=None if status == TicketStatus.OPEN else rng.choice(agents),
            created_at=created,
            updated_at=min(now, created + timedelta(hours=rng.randint(1, 48))),
            clock=start_clock(DEFAULT_POLICY, priority=priority.value, created_at=created),
        )
        if status != TicketStatus.OPEN:
            ticket["first_response_at"] = created + timedelta(minutes=rng.randint(5, 600))
        ticket.update(missed_by(ticket, now))  # type: ignore[typeddict-item]
        docs.append(ticket)
        if ticket["resolved_at"] and n % 3 == 0:
            feedback.append(new_feedback(ticket=ticket, rating=rng.randint(1, 5), comment=None))
        if n % 20 == 0 and ticket["status"] != TicketStatus.OPEN:
            ticket["reopened_at"] = [ticket["updated_at"]]
    for start in range(0, len(docs), 1000):
        await db.tickets.insert_many(docs[start : start + 1000])
    if feedback:
        await db.feedback.insert_many(feedback)


async def timed(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> tuple[float, float]:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return statistics.median(times), max(times)


async def main_async(url: str, data_dir: Path, tickets: int) -> None:
    settings = make_settings(url, data_dir, sla_sweeper_in_api=False)
    async with running_app(settings) as app, http_client(app) as client:
        actors = await make_actors(app.state.db, settings)
        started = time.perf_counter()
        await seed(app.state.db, actors, tickets)
        print(f"seeded {tickets} tickets in {time.perf_counter() - started:.1f} s")
        print(f"{'request':<70} {'median ms':>10} {'max ms':>8}")
        cases = [
            ("/api/admin/reports/overview/", actors.admin),
            *(
                (f"/api/admin/reports/overview/?group_by={g}", actors.admin)
                for g in ("agent", "category", "priority", "day")
            ),
            ("/api/agent/stats/", actors.agent),
            ("/api/admin/support/tickets/?limit=25", actors.admin),
            ("/api/admin/support/tickets/?limit=25&status=Open&priority=High", actors.admin),
            ("/api/admin/support/tickets/?limit=25&q=damaged", actors.admin),
            ("/api/admin/support/tickets/?limit=25&sla=breached&sort=due_at", actors.admin),
            ("/api/agent/tickets/?limit=25&sort=-updated_at", actors.agent),
        ]
        for path, actor in cases:
            median, worst = await timed(client, path, actor.headers)
            print(f"{path:<70} {median:>10.0f} {worst:>8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, embedded_database(Path(tmp), quiet=True) as server:
        asyncio.run(main_async(server.url, Path(tmp), args.tickets))


if __name__ == "__main__":
    main()
