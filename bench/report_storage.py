"""What a report's reading would cost with the ticket facts stored three ways (issue 26 asks
reports of 10,000 tickets a month under 200 ms): the ticket documents with the report's
projection (what app/reports/service.py reads), one narrow row per ticket (the report's fields
only), and those rows kept in one document per day of creation; then what computing the
figures from 10,000 tickets costs the API (app/reports/service.py `_compute`, no database).

    python -m bench.report_storage [--tickets 10000]    (MONGODB_URL or a SecantusDB of its own)

Each read is the best of 3, wall time in ms of a client beside the database (which on this
machine shares the two cores with it)."""

import argparse
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import bson
from bson import ObjectId
from pymongo import MongoClient

from app.core.clock import utcnow
from app.reports.service import FIELDS, PROJECTION, _compute
from app.tickets.documents import Category, Priority, TicketStatus, new_ticket, timestamp
from app.tickets.sla import DEFAULT_POLICY, start_clock
from bench.harness import database

ROUNDS = 3


def best_ms(read: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        read()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def tickets_of_a_month(count: int) -> list[dict[str, Any]]:
    rng, now = random.Random(1), utcnow()
    agents = [ObjectId() for _ in range(20)]
    docs = []
    for n in range(count):
        created = now - timedelta(minutes=rng.randint(0, 30 * 24 * 60))
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
        priority = rng.choice(list(Priority))
        ticket: dict[str, Any] = dict(
            new_ticket(
                customer_id=ObjectId(),
                subject=f"Parcel {n} arrived damaged in transit",
                description="The box was crushed and the contents were broken when it arrived",
                category=rng.choice(list(Category)),
                status=TicketStatus.RESOLVED,
                priority=priority,
                agent_id=rng.choice(agents),
                created_at=created,
                updated_at=created,
                clock=start_clock(DEFAULT_POLICY, priority=priority.value, created_at=created),
            )
        )
        ticket["first_response_at"] = created + timedelta(minutes=rng.randint(5, 600))
        ticket["resolved_at"] = created + timedelta(hours=rng.randint(1, 48))
        docs.append(ticket)
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=10_000)
    args = parser.parse_args()
    docs = tickets_of_a_month(args.tickets)
    rows = [{k: d.get(k) for k in ("_id", "order_key", *FIELDS)} for d in docs]
    days: dict[str, dict[str, Any]] = defaultdict(dict)
    for row in rows:
        days[row["created_at"].date().isoformat()][str(row["_id"])] = row
    now = utcnow()
    month = {"order_key": {"$gte": timestamp(now - timedelta(days=31)), "$lt": timestamp(now)}}
    with database(f"report_storage_{uuid.uuid4().hex[:8]}") as db:
        client: MongoClient[dict[str, Any]] = MongoClient(db.url)
        store = client[db.name]
        store.tickets.insert_many(docs)
        store.tickets.create_index("order_key")
        store.rows.insert_many(rows)
        store.rows.create_index("order_key")
        store.days.insert_many([{"_id": day, "rows": held} for day, held in days.items()])
        print(f"{db.description}; {args.tickets:,} tickets created over 30 days")
        print(
            f"bytes a ticket {len(bson.encode(docs[0])):,}, a row {len(bson.encode(rows[0]))}; "
            f"{len(days)} day documents"
        )
        reads = {
            "tickets, the report's projection": lambda: list(
                store.tickets.find(month, PROJECTION).batch_size(args.tickets)
            ),
            "one row a ticket": lambda: list(store.rows.find(month).batch_size(args.tickets)),
            "rows in a document a day": lambda: list(store.days.find({"_id": {"$gte": ""}})),
        }
        for label, read in reads.items():
            print(f"read, {label}: {best_ms(read):,.0f} ms")
        client.close()
    by_id = {d["_id"]: d for d in docs}
    start = now - timedelta(days=30)
    for group_by in (None, "agent"):
        ms = best_ms(lambda: _compute(start, now, group_by, by_id, [], [], now))  # noqa: B023
        print(f"compute, group_by={group_by}: {ms:,.0f} ms")


if __name__ == "__main__":
    main()
