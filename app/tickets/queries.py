"""The MongoDB queries of tickets, internal notes and feedback, and the indexes behind them.
Every list pages on `order_key` (see core/pagination.py)."""

import re
from collections.abc import Sequence
from typing import Any, cast

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from app.core.db import Database, Document
from app.core.pagination import Filter, Keyset, read_page
from app.tickets.documents import FeedbackDoc, NoteDoc, TicketDoc

# Attachments are GridFS files of this bucket (written by app/attachments); their metadata
# names the ticket. Notes and replies embed the summaries of the ones they refer to.
ATTACHMENT_BUCKET = "attachments"
ATTACHMENT_FILES = f"{ATTACHMENT_BUCKET}.files"

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
    ATTACHMENT_FILES: [
        # a ticket's attachments, oldest first
        IndexModel([("metadata.ticket_id", ASCENDING), ("_id", ASCENDING)]),
    ],
    "feedback": [
        # one feedback per ticket, also under concurrent submissions
        IndexModel([("ticket_id", ASCENDING)], unique=True),
    ],
}

_ORDER_KEY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\|[0-9a-f]{24}")


def parse_order_key(position: str) -> str | None:
    return position if _ORDER_KEY.fullmatch(position) else None


NEWEST_FIRST = Keyset("order_key", descending=True, parse=parse_order_key)
# Old documents may still carry the audit trail that events replaced: no read carries it.
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


def attachment_summary(file: Document) -> Document:
    """What a response shows of a stored attachment (GridFS files document)."""
    meta = file["metadata"]
    return {
        "_id": file["_id"],
        "ticket_id": meta["ticket_id"],
        "filename": file["filename"],
        "content_type": meta["content_type"],
        "size": file["length"],
        "sha256": meta["sha256"],
        "visibility": meta["visibility"],
        "uploaded_by": meta["uploaded_by"],
        "created_at": file["uploadDate"],
    }


async def attachments_of_ticket(db: Database, ticket_id: ObjectId) -> list[Document]:
    """A ticket's attachments, oldest first, as summaries."""
    files = (
        await db[ATTACHMENT_FILES].find({"metadata.ticket_id": ticket_id}).sort("_id", 1).to_list()
    )
    return [attachment_summary(f) for f in files]


async def attachments_by_id(db: Database, ids: Sequence[ObjectId]) -> list[Document]:
    """The named attachments that exist, whatever their ticket (callers check it)."""
    files = await db[ATTACHMENT_FILES].find({"_id": {"$in": list(ids)}}).to_list()
    return [attachment_summary(f) for f in files]


async def update_ticket(
    db: Database,
    ticket_id: ObjectId,
    guard: Filter,
    update: Any,
    *,
    session: AsyncClientSession | None = None,
) -> bool:
    """Applies `update` only if the ticket still matches `guard` (atomic: one document)."""
    result = await tickets(db).update_one({"_id": ticket_id, **guard}, update, session=session)
    return result.matched_count == 1
