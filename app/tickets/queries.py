"""The MongoDB queries of tickets, internal notes and feedback, and the indexes behind them.
Every list pages on `order_key` (see core/pagination.py)."""

import re
from collections.abc import Sequence
from typing import Any, cast

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from app.core.db import Database
from app.core.pagination import Filter, Keyset, read_page
from app.tickets.documents import FeedbackDoc, NoteDoc, TicketDoc

INDEXES = {
    "tickets": [
        # admin list without filter
        IndexModel([("order_key", DESCENDING)], unique=True, name="tickets_newest"),
        # customer's own tickets; admin ?customer_id=
        IndexModel(
            [("customer_id", ASCENDING), ("order_key", DESCENDING)], name="tickets_of_customer"
        ),
        # agent queue (agent_id in [me, null], ?assigned=); admin ?agent_id=
        IndexModel([("agent_id", ASCENDING), ("order_key", DESCENDING)], name="tickets_of_agent"),
        # agent queue with ?status=; a deactivated agent's unfinished tickets
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
        # ticket detail: the newest notes
        IndexModel([("ticket_id", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)]),
    ],
    "feedback": [
        # one feedback per ticket, also under concurrent submissions
        IndexModel([("ticket_id", ASCENDING)], unique=True),
    ],
}

_ORDER_KEY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\|[0-9a-f]{24}")
NEWEST_FIRST = Keyset(
    "order_key", descending=True, parse=lambda p: p if _ORDER_KEY.fullmatch(p) else None
)
# The audit trail is never shown: no read carries it.
WITHOUT_HISTORY = {"history": 0}


def tickets(db: Database) -> AsyncCollection[TicketDoc]:
    return cast(AsyncCollection[TicketDoc], db.tickets)


def notes(db: Database) -> AsyncCollection[NoteDoc]:
    return cast(AsyncCollection[NoteDoc], db.ticket_notes)


def feedback(db: Database) -> AsyncCollection[FeedbackDoc]:
    return cast(AsyncCollection[FeedbackDoc], db.feedback)


async def find_ticket(db: Database, ticket_id: ObjectId) -> TicketDoc | None:
    return await tickets(db).find_one({"_id": ticket_id}, WITHOUT_HISTORY)


async def page_of_tickets(
    db: Database, filters: Sequence[Filter], *, limit: int, cursor: str | None
) -> tuple[list[TicketDoc], str | None]:
    return await read_page(
        tickets(db),
        filters,
        keyset=NEWEST_FIRST,
        limit=limit,
        cursor=cursor,
        projection=WITHOUT_HISTORY,
    )


async def newest_notes(db: Database, ticket_id: ObjectId, *, limit: int) -> list[NoteDoc]:
    """Up to `limit` of a ticket's notes, the newest, oldest first."""
    newest = (
        await notes(db)
        .find({"ticket_id": ticket_id})
        .sort([("created_at", -1), ("_id", -1)])
        .limit(limit)
        .to_list()
    )
    return newest[::-1]


async def update_ticket(db: Database, ticket_id: ObjectId, guard: Filter, update: Any) -> bool:
    """Applies `update` only if the ticket still matches `guard` (atomic: one document)."""
    result = await tickets(db).update_one({"_id": ticket_id, **guard}, update)
    return result.matched_count == 1
