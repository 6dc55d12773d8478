"""What the tickets' tag indexes (issue 23) add to a ticket's write: a status change of one of
3,000 tickets by `update_one`, with every index of `app/tickets/queries.py` and with all but
the tag ones. `python -m bench.index_cost`, against MONGODB_URL or a SecantusDB of its own."""

import time
import uuid
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import MongoClient
from pymongo.collection import Collection

from app.core.clock import utcnow
from app.tickets.documents import Category, Priority, TicketStatus, new_ticket
from app.tickets.queries import INDEXES
from bench.harness import database

TICKETS = 3_000
ROUNDS = 200


def per_update_ms(collection: Collection[dict[str, Any]], ids: list[ObjectId]) -> float:
    def update(n: int) -> None:
        now = utcnow()
        collection.update_one(
            {"_id": ids[n]},
            {
                "$set": {"status": "In Progress", "updated_at": now, "updated_key": f"{n:08d}"},
                "$inc": {"version": 1},
            },
        )

    update(0)
    start = time.perf_counter()
    for n in range(1, ROUNDS + 1):
        update(n)
    return (time.perf_counter() - start) * 1000 / ROUNDS


def main() -> None:
    customer = ObjectId()
    tickets = [
        new_ticket(
            customer_id=customer,
            subject="Package arrived damaged",
            description="The item inside was broken due to improper packaging",
            category=Category.DAMAGED,
            delivery_id=None,
            status=TicketStatus.OPEN,
            priority=Priority.MEDIUM,
            agent_id=None,
            created_at=utcnow() - timedelta(minutes=n),
            updated_at=None,
            clock=None,
        )
        for n in range(TICKETS)
    ]
    models = INDEXES["tickets"]
    without_tags = [m for m in models if "tag" not in m.document["name"]]
    with database(f"indexes_{uuid.uuid4().hex[:8]}") as db:
        client: MongoClient[dict[str, Any]] = MongoClient(db.url)
        print(f"{db.description}; a status change of one of {TICKETS:,} tickets, {ROUNDS} each")
        for label, indexes in (("every index", models), ("without the tag ones", without_tags)):
            collection = client[db.name][uuid.uuid4().hex[:8]]
            collection.create_indexes(indexes)
            collection.insert_many([dict(ticket) for ticket in tickets])
            ms = per_update_ms(collection, [ticket["_id"] for ticket in tickets])
            print(f"{label} ({len(indexes)}): {ms:.2f} ms an update")
        client.close()


if __name__ == "__main__":
    main()
