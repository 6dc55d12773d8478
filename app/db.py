"""MongoDB client lifecycle and the indexes. Every index names the query it serves; a test
(`tests/test_query_plans.py`) runs `explain` on each query shape and fails on a COLLSCAN."""

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


# Index names the services pass as `hint`. SecantusDB plans a filter with any field outside
# the index it considers (e.g. {_id, status}) as a collection scan, where MongoDB would use
# the index; naming the index makes both servers use it (tests/test_db_contract.py).
BY_ID = "_id_"
TICKETS_NEWEST = "tickets_newest"
TICKETS_OF_CUSTOMER = "tickets_of_customer"
TICKETS_OF_AGENT = "tickets_of_agent"
TICKETS_OF_AGENT_BY_STATUS = "tickets_of_agent_by_status"
TICKETS_BY_STATUS = "tickets_by_status"
TICKETS_BY_CATEGORY = "tickets_by_category"
AGENTS_BY_APPROVAL = "agents_by_approval"
FAQS_BY_CATEGORY = "faqs_by_category"

INDEXES: dict[str, list[IndexModel]] = {
    "users": [
        # login, registration uniqueness (emails are stored lower-cased)
        IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
        # admin agent list (?approved=), bootstrap "is there an admin?"
        IndexModel(
            [("role", ASCENDING), ("is_approved", ASCENDING), ("_id", ASCENDING)],
            name=AGENTS_BY_APPROVAL,
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
        IndexModel([("order_key", DESCENDING)], unique=True, name=TICKETS_NEWEST),
        # customer's own tickets; admin ?customer_id=
        IndexModel(
            [("customer_id", ASCENDING), ("order_key", DESCENDING)], name=TICKETS_OF_CUSTOMER
        ),
        # agent queue (agent_id in [me, null], ?assigned=); admin ?agent_id=
        IndexModel([("agent_id", ASCENDING), ("order_key", DESCENDING)], name=TICKETS_OF_AGENT),
        # agent queue with ?status=
        IndexModel(
            [("agent_id", ASCENDING), ("status", ASCENDING), ("order_key", DESCENDING)],
            name=TICKETS_OF_AGENT_BY_STATUS,
        ),
        # admin ?status=
        IndexModel([("status", ASCENDING), ("order_key", DESCENDING)], name=TICKETS_BY_STATUS),
        # admin ?category=
        IndexModel([("category", ASCENDING), ("order_key", DESCENDING)], name=TICKETS_BY_CATEGORY),
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
        IndexModel([("category", ASCENDING), ("_id", ASCENDING)], name=FAQS_BY_CATEGORY),
    ],
}


async def ensure_indexes(db: Database) -> None:
    """Idempotent: creating an index that exists with the same options is a no-op."""
    for collection, models in INDEXES.items():
        await db[collection].create_indexes(models)
