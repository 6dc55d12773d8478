"""What one list query costs the database, by what it reads: a window of 3 or of 33 tickets
(a page of 25 reads 26), in a customer's scope of 20,000 tickets and in one of about 40,
with and without a projection; and a ticket's find_one by _id with and without one.

    python -m bench.window_cost      (a SecantusDB of its own, or MONGODB_URL)

The figure is the CPU time of the database process per query (SecantusDB only: a MongoDB
from MONGODB_URL is measured in wall time), the median of 5 rounds of 200 queries."""

import statistics
import sys
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from pymongo import MongoClient

from bench.harness import Database, database, seed, service_env
from bench.run import add_scope_tickets

ROUNDS, QUERIES = 5, 200
LISTED = {"history": 0, "terms": 0}  # what list reads left out before issue 15


def cost(db: Database, query: Callable[[], object]) -> float:
    """ms per query: the database's CPU time, or wall time when it is not ours to read."""
    clock: Callable[[], float] = db.cpu_seconds if db.pid else time.perf_counter  # type: ignore[assignment]
    query()
    rounds = []
    for _ in range(ROUNDS):
        started = clock()
        for _ in range(QUERIES):
            query()
        rounds.append((clock() - started) / QUERIES * 1000)
    return statistics.median(rounds)


def _page(collection: Any, where: dict[str, Any], projection: dict[str, int] | None) -> object:
    return collection.find(where, projection).sort("order_key", -1).limit(26).to_list()


def main() -> int:
    with database(f"window_{uuid.uuid4().hex[:8]}") as db:
        env = service_env(db)
        seed(env, customers=2, agents=1, tickets=80)  # the indexes, and about 40 each
        add_scope_tickets(db, "customer1@demo.example", 20_000)
        client: MongoClient[dict[str, Any]] = MongoClient(db.url, tz_aware=True)
        store = client[db.name]
        print(f"{'query':58} {'ms':>6}   ({db.description})")
        for email in ("customer1@demo.example", "customer2@demo.example"):
            user = store.users.find_one({"email": email})
            assert user is not None
            scope = {"customer_id": user["_id"]}
            size = f"{store.tickets.count_documents(scope):,}"
            newest = [
                t["order_key"]
                for t in store.tickets.find(scope, {"order_key": 1}).sort("order_key", -1).limit(33)
            ]
            for held in (3, 33):
                window = {**scope, "order_key": {"$gte": newest[held - 1]}}
                for label, projection in (("", None), (", projection", LISTED)):
                    ms = cost(db, partial(_page, store.tickets, window, projection))
                    print(f"{f'window of {held} in a scope of {size}{label}':58} {ms:6.2f}")
        one = store.tickets.find_one({}, {"_id": 1})
        assert one is not None
        for label, projection in (("", None), (", projection {history: 0}", {"history": 0})):
            ms = cost(db, partial(store.tickets.find_one, {"_id": one["_id"]}, projection))
            print(f"{'ticket by _id' + label:58} {ms:6.2f}")
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
