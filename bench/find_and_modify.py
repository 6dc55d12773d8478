"""What a findAndModify by `_id` costs against an update_one and a find_one by `_id`, and an
update_one whose filter has `_id` beside a top-level `$and`, as the collection grows (why the
services' growing collections are written with neither: tests/system/test_db_contract.py). `python -m bench.find_and_modify`, against MONGODB_URL or
a SecantusDB server of its own."""

import time
import uuid
from collections.abc import Callable
from typing import Any

from pymongo import MongoClient, ReturnDocument
from pymongo.collection import Collection

from bench.harness import database

SIZES = (10, 1_000, 10_000)
ROUNDS = 30


def per_call_ms(call: Callable[[], Any]) -> float:
    call()
    start = time.perf_counter()
    for _ in range(ROUNDS):
        call()
    return (time.perf_counter() - start) * 1000 / ROUNDS


def measure(collection: Collection[dict[str, Any]], size: int) -> tuple[float, float, float]:
    collection.insert_many([{"_id": n, "n": 0} for n in range(size)])
    by_id = {"_id": size // 2}

    def modify() -> None:
        collection.find_one_and_update(
            by_id, {"$inc": {"n": 1}}, return_document=ReturnDocument.AFTER
        )

    def update_then_read() -> None:
        collection.update_one(by_id, {"$inc": {"n": 1}})
        collection.find_one(by_id)

    def update_with_and() -> None:
        collection.update_one({**by_id, "$and": [{"n": {"$gte": 0}}]}, {"$inc": {"n": 1}})

    return per_call_ms(modify), per_call_ms(update_then_read), per_call_ms(update_with_and)


def main() -> None:
    with database(f"fam_{uuid.uuid4().hex[:8]}") as db:
        client: MongoClient[dict[str, Any]] = MongoClient(db.url)
        print(f"{db.description}; ms a call, {ROUNDS} calls each")
        print(
            f"{'documents':>10} {'findAndModify':>14} {'update_one + find_one':>22} "
            f"{'update_one, $and':>17}"
        )
        for size in SIZES:
            modify, update, with_and = measure(client[db.name][f"c{size}"], size)
            print(f"{size:>10,} {modify:>14.2f} {update:>22.2f} {with_and:>17.2f}")
        client.close()


if __name__ == "__main__":
    main()
