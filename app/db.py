"""MongoDB client lifecycle and the indexes. Every index names the query it serves; a test
(`tests/test_query_plans.py`) runs `explain` on each query shape and fails on a COLLSCAN."""

from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from app.config import Settings

Document = dict[str, Any]
Database = AsyncDatabase[Document]


def create_client(settings: Settings, url: str) -> AsyncMongoClient[Document]:
    timeout = settings.mongodb_timeout_ms
    return AsyncMongoClient(
        url,
        tz_aware=True,
        # An unreachable database must give a fast 503, never a hang.
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=timeout,
        socketTimeoutMS=max(timeout * 5, 10_000),
        appname="support-api",
    )


INDEXES: dict[str, list[IndexModel]] = {
    "users": [
        # login, registration uniqueness (emails are stored lower-cased)
        IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
        # admin agent list (?approved=), bootstrap "is there an admin?"
        IndexModel([("role", ASCENDING), ("is_approved", ASCENDING), ("_id", ASCENDING)]),
    ],
    "refresh_tokens": [
        # refresh-token reuse revokes the whole login chain
        IndexModel([("family", ASCENDING)]),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
    "throttle_events": [
        # recent failed logins per (address, email), registrations per address
        IndexModel([("key", ASCENDING), ("at", ASCENDING)]),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
    "tickets": [
        # every list pages on order_key (see services/tickets.py for why one field)
        # admin list without filter
        IndexModel([("order_key", DESCENDING)], unique=True),
        # customer's own tickets; admin ?customer_id=
        IndexModel([("customer_id", ASCENDING), ("order_key", DESCENDING)]),
        # agent queue (agent_id in [me, null]); admin ?agent_id=
        IndexModel([("agent_id", ASCENDING), ("order_key", DESCENDING)]),
        # agent queue with ?status=
        IndexModel([("agent_id", ASCENDING), ("status", ASCENDING), ("order_key", DESCENDING)]),
        # admin ?status=
        IndexModel([("status", ASCENDING), ("order_key", DESCENDING)]),
        # admin ?category=
        IndexModel([("category", ASCENDING), ("order_key", DESCENDING)]),
    ],
    "ticket_notes": [
        # ticket detail: notes oldest first
        IndexModel([("ticket_id", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)]),
    ],
    "feedback": [
        # one feedback per ticket, also under concurrent submissions
        IndexModel([("ticket_id", ASCENDING)], unique=True),
    ],
    "faqs": [
        # public FAQ list, ?category=
        IndexModel([("category", ASCENDING), ("_id", ASCENDING)]),
    ],
}


async def ensure_indexes(db: Database) -> None:
    """Idempotent: creating an index that exists with the same options is a no-op."""
    for collection, models in INDEXES.items():
        await db[collection].create_indexes(models)
