"""The public thread's queries and indexes."""

from datetime import datetime
from typing import cast

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from app.core.db import Database
from app.core.pagination import read_page
from app.replies.documents import ReplyDoc
from app.tickets.documents import timestamp
from app.tickets.sorts import THREAD_ORDER

INDEXES = {
    "ticket_replies": [
        # a ticket's thread, oldest first
        IndexModel([("ticket_id", ASCENDING), ("order_key", ASCENDING)], name="thread"),
    ],
}


def replies(db: Database) -> AsyncCollection[ReplyDoc]:
    return cast(AsyncCollection[ReplyDoc], db.ticket_replies)


async def page_of_thread(
    db: Database, ticket_id: ObjectId, *, opened_at: datetime, limit: int, cursor: str | None
) -> tuple[list[ReplyDoc], str | None]:
    """A page of the thread, read in windows of time from when the ticket was opened."""
    return await read_page(
        replies(db),
        [{"ticket_id": ticket_id}],
        keyset=THREAD_ORDER,
        limit=limit,
        cursor=cursor,
        origin=timestamp(opened_at),
    )


async def forget_attachment(
    db: Database, session: AsyncClientSession, ticket_id: ObjectId, attachment_id: ObjectId
) -> None:
    await replies(db).update_many(
        {"ticket_id": ticket_id, "attachments._id": attachment_id},
        {"$pull": {"attachments": {"_id": attachment_id}}},
        session=session,
    )
