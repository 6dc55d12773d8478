"""What a find with a long `$in` costs, in one query and in batches of `IN_BATCH` values, on an
index of 3,000 documents (why `app/core/db.py find_in` reads long lists in batches:
tests/system/test_db_contract.py). `python -m bench.in_list`, against MONGODB_URL or a
SecantusDB server of its own."""

import time
import uuid
from typing import Any

from bson import ObjectId
from pymongo import MongoClient

from app.core.db import IN_BATCH
from bench.harness import database

DOCUMENTS = 3_000
SIZES = (100, 500, 2_000)


def main() -> None:
    with database(f"in_{uuid.uuid4().hex[:8]}") as db:
        client: MongoClient[dict[str, Any]] = MongoClient(db.url)
        collection = client[db.name].ratings
        collection.create_index([("ticket_id", 1), ("cycle", 1)], unique=True)
        ids = [ObjectId() for _ in range(DOCUMENTS)]
        collection.insert_many([{"ticket_id": i, "cycle": 1, "rating": 3} for i in ids])
        print(f"{db.description}; ms a read of the documents of n ids")
        print(f"{'n':>6} {'one $in':>9} {f'batches of {IN_BATCH}':>16}")
        for n in SIZES:
            wanted = ids[:n]
            start = time.perf_counter()
            list(collection.find({"ticket_id": {"$in": wanted}}))
            whole = (time.perf_counter() - start) * 1000
            start = time.perf_counter()
            for k in range(0, n, IN_BATCH):
                list(collection.find({"ticket_id": {"$in": wanted[k : k + IN_BATCH]}}))
            batched = (time.perf_counter() - start) * 1000
            print(f"{n:>6,} {whole:>9.0f} {batched:>16.0f}")
        client.close()


if __name__ == "__main__":
    main()
