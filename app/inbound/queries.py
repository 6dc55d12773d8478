"""Every access to the mail that came in (`inbound_emails`: one document per message, its raw
bytes included, a unique index on its Message-ID) and to the per-sender flood counts."""

from datetime import datetime, timedelta
from typing import Any

from bson import Binary, ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from app.core.config import Settings
from app.core.db import Database, Document
from app.core.ratelimit import SERVER_NOW, spend
from app.mail import queries as mail_queries
from app.mail.addresses import ticket_of_message_id
from app.tickets import queries as ticket_queries
from app.tickets.documents import TicketDoc

FLOOD_WINDOW_MS = 10 * 60 * 1000
# A message still `processing` this long after its claim was left by a process that died:
# its sender's redelivery takes it over (processing takes seconds; a few minutes of margin).
CLAIM_SECONDS = 5 * 60
QUARANTINE_SHOWN = 200
MAX_REFERENCES = 50  # of ours in one message, newest first: a thread's (mail sends at most 10)
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


async def claim(db: Database, email: Document, now: datetime) -> Document | None:
    """Stores a message being processed (`claim`: a fencing token, `claimed_at`: `now`) and
    returns it; a message already there is returned only if its claim is stale (older than
    CLAIM_SECONDS, still `processing`), taken over by this delivery. None: processed, or
    being processed. Of simultaneous redeliveries of a stale claim, one takes it over: each
    update is guarded by the claim it read, which the first one replaces."""
    try:
        await inbound_emails(db).insert_one(email)
    except DuplicateKeyError:
        held = await inbound_emails(db).find_one({"message_id": email["message_id"]})
        stale = now - timedelta(seconds=CLAIM_SECONDS)
        # a claim stored before claims had a time is stale too
        if held is None or held["status"] != "processing" or held.get("claimed_at", stale) > stale:
            return None
        fields = {key: value for key, value in email.items() if key != "_id"}
        taken = await inbound_emails(db).update_one(
            {"_id": held["_id"], "claim": held.get("claim"), "status": "processing"},
            {"$set": fields},
        )
        return {**held, **fields} if taken.modified_count else None
    return email


async def forget_claim(db: Database, email: Document) -> None:
    """A message whose processing failed: its sender's retry is processed anew (unless the
    claim was taken over meanwhile)."""
    await inbound_emails(db).delete_one(
        {"_id": email["_id"], "claim": email["claim"], "status": "processing"}
    )


async def record_outcome(db: Database, email: Document, outcome: Document) -> None:
    """Only while `email`'s claim holds: a process whose claim was taken over records nothing."""
    await inbound_emails(db).update_one(
        {"_id": email["_id"], "claim": email["claim"]}, {"$set": outcome}
    )


async def take_quarantined(db: Database, email_id: ObjectId, now: datetime) -> Document | None:
    """The quarantined message, now being processed again (one release at a time)."""
    claim = ObjectId()
    taken = await inbound_emails(db).update_one(
        {"_id": email_id, "status": "quarantined"},
        {"$set": {"status": "processing", "released_at": now, "claimed_at": now, "claim": claim}},
    )
    if not taken.modified_count:
        return None
    return await inbound_emails(db).find_one({"_id": email_id, "claim": claim})


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
    """The ticket of the newest of `message_ids` that is a message we sent (in the outbox,
    one query on its `message_id` index): an ID of our format we never sent names nothing."""
    ours = [value for value in message_ids if ticket_of_message_id(settings, value) is not None]
    if not ours:
        return None
    sent = await mail_queries.tickets_of_sent(db, ours[:MAX_REFERENCES])
    ticket_id = next((sent[value] for value in ours if value in sent), None)
    return await ticket_queries.find_ticket(db, ticket_id) if ticket_id else None


def as_binary(raw: bytes) -> Binary:
    return Binary(raw)
