"""MongoDB client lifecycle and the indexes. Every index names the query it serves; a test
(`tests/test_query_plans.py`) runs `explain` on each query shape and fails on a COLLSCAN.

The queries are written so that the planner picks these indexes by itself (every filter field
is in the index): no `hint`. On SecantusDB a hinted query walks the whole index, ~25x slower
than the same query unhinted (measured; see tests/test_db_contract.py and the README)."""

from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from app.config import Settings

Document = dict[str, Any]
Database = AsyncDatabase[Document]


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
        **options,
    )


INDEXES: dict[str, list[IndexModel]] = {
    "users": [
        # login, registration uniqueness (emails are stored lower-cased)
        IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
        # admin agent list; bootstrap "is there an admin?"
        IndexModel([("role", ASCENDING), ("_id", ASCENDING)], name="users_by_role"),
        # admin agent list with ?approved=
        IndexModel(
            [("role", ASCENDING), ("is_approved", ASCENDING), ("_id", ASCENDING)],
            name="agents_by_approval",
        ),
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
        # Every list pages on order_key (services/tickets.py says why one field).
        # admin list without filter
        IndexModel([("order_key", DESCENDING)], unique=True, name="tickets_newest"),
        # customer's own tickets; admin ?customer_id=
        IndexModel(
            [("customer_id", ASCENDING), ("order_key", DESCENDING)], name="tickets_of_customer"
        ),
        # agent queue (agent_id in [me, null], ?assigned=); admin ?agent_id=
        IndexModel([("agent_id", ASCENDING), ("order_key", DESCENDING)], name="tickets_of_agent"),
        # agent queue with ?status=
        IndexModel(
            [("agent_id", ASCENDING), ("status", ASCENDING), ("order_key", DESCENDING)],
            name="tickets_of_agent_by_status",
        ),
        # admin ?status=
        IndexModel([("status", ASCENDING), ("order_key", DESCENDING)], name="tickets_by_status"),
        # admin ?category=
        IndexModel(
            [("category", ASCENDING), ("order_key", DESCENDING)], name="tickets_by_category"
        ),
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
        IndexModel([("category", ASCENDING), ("_id", ASCENDING)], name="faqs_by_category"),
    ],
}


async def ensure_indexes(db: Database) -> None:
    """Idempotent: creating an index that exists with the same options is a no-op."""
    for collection, models in INDEXES.items():
        await db[collection].create_indexes(models)
