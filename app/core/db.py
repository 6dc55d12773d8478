"""The MongoDB client, the one way to open the database, and the index collection.

Each domain declares its indexes next to the queries they serve (`<domain>/queries.py`,
`INDEXES`), and `ensure_indexes` creates them all; tests/system/test_query_plans.py runs
`explain` on every query a walk of the API sends and fails on a collection scan.

The queries are written so that the planner picks these indexes by itself (every filter field
is in the index): no `hint`, which may walk the whole index range (tests/system/test_db_contract.py).
"""

import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

import anyio.to_thread
from pymongo import AsyncMongoClient, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from pymongo.results import UpdateResult

from app.core.config import Settings
from app.core.embedded_db import embedded_database

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Indexes = Mapping[str, Sequence[IndexModel]]
T = TypeVar("T", bound=Mapping[str, Any])

# The database server's clock, for leases and expiries that several instances compare: one
# clock, whatever the instances' skew. As milliseconds, the form every server compares alike
# (tests/system/test_db_contract.py); compare `{"$toLong": date}` with it.
SERVER_NOW_MS = {"$toLong": "$$NOW"}
# The most values one `$in` carries: a long list is read in batches (`find_in`), since one
# server's cost of a `$in` grows with the list times the candidates (`python -m bench.in_list`;
# tests/system/test_db_contract.py pins that batches answer as one query).
IN_BATCH = 100


def _with_metrics(settings: Settings, options: dict[str, Any]) -> dict[str, Any]:
    if not settings.metrics_enabled:
        return options
    from app.core.metrics import CommandMetrics

    listeners = [*options.get("event_listeners", []), CommandMetrics()]
    return {**options, "event_listeners": listeners}


def create_client(settings: Settings, url: str, **options: Any) -> AsyncMongoClient[Document]:
    """`options` go to AsyncMongoClient as they are (the tests pass event_listeners)."""
    timeout = settings.mongodb_timeout_ms
    return AsyncMongoClient(
        url,
        tz_aware=True,
        # An unreachable database must give a fast 503, never a hang.
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=timeout,
        socketTimeoutMS=max(timeout * 5, 10_000),
        appname="support-api",
        **_with_metrics(settings, options),
    )


@asynccontextmanager
async def open_database(settings: Settings, **client_options: Any) -> AsyncIterator[Database]:
    """The configured database; with MONGODB_URL unset (development), the embedded one is
    started for as long as this is open."""
    async with AsyncExitStack() as stack:
        url = settings.mongodb_url
        if url is None:
            server = await anyio.to_thread.run_sync(
                stack.enter_context, embedded_database(settings.data_dir)
            )
            url = server.url
        client = create_client(settings, url, **client_options)
        stack.push_async_callback(client.close)
        yield client[settings.mongodb_db]


async def ensure_indexes(db: Database, index_sets: Iterable[Indexes]) -> None:
    """Idempotent: creating an index that exists with the same options is a no-op."""
    for indexes in index_sets:
        for collection, models in indexes.items():
            await db[collection].create_indexes(list(models))


async def update_or_create(
    collection: AsyncCollection[Document], key: Any, pipeline: Sequence[Document]
) -> Document | None:
    """The document `key` after `pipeline`, created bare first when missing, in one atomic
    write: for counters whose every caller needs its own value (not an upsert, as in
    `update_one_or_create`). A `findAndModify`, so only on collections of a few documents
    (tests/system/test_architecture.py). None only if it was removed (a TTL) between the
    insert and the update."""
    found = await collection.find_one_and_update(
        {"_id": key}, pipeline, return_document=ReturnDocument.AFTER
    )
    if found is None:
        with contextlib.suppress(DuplicateKeyError):
            await collection.insert_one({"_id": key})
        found = await collection.find_one_and_update(
            {"_id": key}, pipeline, return_document=ReturnDocument.AFTER
        )
    return found


async def update_one_or_create(
    collection: AsyncCollection[Document], key: Any, update: Document | Sequence[Document]
) -> UpdateResult | None:
    """`update` (which must treat missing fields as a new document's) applied to the
    document `key`, created bare first when missing; its result says whether it changed
    anything (a guarded update's answer). Not an upsert: simultaneous upserts of one key are
    not answered alike by every server (tests/core/test_rate_limits.py). Not a `findAndModify` either
    (tests/system/test_architecture.py): read the document by `_id` after, if it is wanted.
    One round trip once the document exists. None only if it was removed (a TTL) between the
    insert and the update, each time."""
    for _ in range(3):
        changed = await collection.update_one({"_id": key}, update)
        if changed.matched_count:
            return changed
        with contextlib.suppress(DuplicateKeyError):
            await collection.insert_one({"_id": key})
    return None


async def find_in(
    collection: AsyncCollection[T],
    field: str,
    values: Iterable[Any],
    *,
    where: Mapping[str, Any] | None = None,
    projection: Mapping[str, Any] | None = None,
) -> list[T]:
    """The documents whose `field` is one of `values` (and that match `where`), read
    IN_BATCH values a query."""
    wanted = list(values)
    found: list[T] = []
    for start in range(0, len(wanted), IN_BATCH):
        batch = {field: {"$in": wanted[start : start + IN_BATCH]}, **(where or {})}
        found += await collection.find(batch, projection).to_list()
    return found
