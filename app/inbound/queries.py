"""Every access to the mail that came in (`inbound_emails`: one document per message, its raw
bytes included, a unique index on its Message-ID) and to the per-sender flood counts."""

from datetime import datetime
from typing import Any

from bson import Binary, ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from app.core.config import Settings
from app.core.db import Database, Document
from app.core.ratelimit import SERVER_NOW, spend
from app.mail.addresses import ticket_of_message_id
from app.tickets import queries as ticket_queries
from app.tickets.documents import TicketDoc

FLOOD_WINDOW_MS = 10 * 60 * 1000
QUARANTINE_SHOWN = 200
LISTED = {"raw": 0}  # lists never carry the bytes

INDEXES = {
    "inbound_emails": [
        # The same message delivered twice, even at once, is processed once.
        IndexModel([("message_id", ASCENDING)], unique=True),
        IndexModel([("ticket_id", ASCENDING), ("received_at", ASCENDING)]),
        IndexModel([("status", ASCENDING), ("received_at", DESCENDING)]),
    ],
    "inbound_floods": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
}


def inbound_emails(db: Database) -> AsyncCollection[Document]:
    return db.inbound_emails


async def claim(db: Database, email: Document) -> bool:
    """Stores a message being processed; False when its Message-ID is already there."""
    try:
        await inbound_emails(db).insert_one(email)
    except DuplicateKeyError:
        return False
    return True


async def forget_claim(db: Database, email_id: ObjectId) -> None:
    """A message whose processing failed: its sender's retry is processed anew."""
    await inbound_emails(db).delete_one({"_id": email_id, "status": "processing"})


async def record_outcome(db: Database, email_id: ObjectId, outcome: Document) -> None:
    await inbound_emails(db).update_one({"_id": email_id}, {"$set": outcome})


async def take_quarantined(db: Database, email_id: ObjectId, now: datetime) -> Document | None:
    """The quarantined message, now being processed again (one release at a time)."""
    return await inbound_emails(db).find_one_and_update(
        {"_id": email_id, "status": "quarantined"},
        {"$set": {"status": "processing", "released_at": now}},
        return_document=ReturnDocument.AFTER,
    )


async def find_email(db: Database, email_id: ObjectId, *, raw: bool = False) -> Document | None:
    return await inbound_emails(db).find_one({"_id": email_id}, None if raw else LISTED)


async def emails_of_ticket(db: Database, ticket_id: ObjectId) -> list[Document]:
    found = inbound_emails(db).find({"ticket_id": ticket_id}, LISTED)
    return await found.sort("received_at", ASCENDING).to_list()


async def quarantined(db: Database) -> list[Document]:
    found = inbound_emails(db).find({"status": "quarantined"}, LISTED)
    return await found.sort("received_at", DESCENDING).limit(QUARANTINE_SHOWN).to_list()


async def count_from_sender(
    db: Database, address: str, *, limit: int, now: Any = SERVER_NOW
) -> bool:
    """Counts one message of `address`; False beyond `limit` in ten minutes (GCRA, on the
    database server's clock, as the request rate limits count)."""
    allowed, _ = await spend(
        db.inbound_floods, address, limit=limit, window_ms=FLOOD_WINDOW_MS, now=now
    )
    return allowed


async def ticket_of_references(
    db: Database, settings: Settings, message_ids: list[str]
) -> TicketDoc | None:
    """The ticket the newest of our Message-IDs among `message_ids` names."""
    for value in message_ids:
        ticket_id = ticket_of_message_id(settings, value)
        if ticket_id is not None and (found := await ticket_queries.find_ticket(db, ticket_id)):
            return found
    return None


def as_binary(raw: bytes) -> Binary:
    return Binary(raw)
