"""The outbox, the dispatch cursor, the Message-IDs of mail that came in for a ticket and
users' mail preferences: every access to them is here (and the reads of users and tickets a
message needs)."""

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from app.auth.documents import Role, UserDoc
from app.auth.queries import users
from app.core import leases
from app.core.clock import utcnow
from app.core.db import Database, Document, update_or_create
from app.events import queries as event_queries
from app.events.documents import EventDoc
from app.mail.documents import OutboxDoc, OutboxStatus
from app.tickets import queries as ticket_queries
from app.tickets.documents import TicketDoc

CURSOR_ID = "dispatch"
THREAD_KEPT = 10  # References: the first message and the newest ones (RFC 5322 3.6.4)
# A Message-ID we may repeat in our headers: printable ASCII, no spaces, of a sane length.
MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,250}>")
INDEXES = {
    "mail_outbox": [
        # an event makes a message once per recipient and kind, whichever process dispatches
        IndexModel(
            [("event_seq", ASCENDING), ("recipient_id", ASCENDING), ("kind", ASCENDING)],
            unique=True,
            name="once",
        ),
        # the due ones, oldest first
        IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="due"),
        # a reply's In-Reply-To/References: which of our messages it answers (inbound mail)
        IndexModel([("message_id", ASCENDING)], name="message_id"),
        # a recipient's earlier messages on a ticket, for threading
        IndexModel(
            [("ticket_id", ASCENDING), ("recipient_id", ASCENDING), ("event_seq", ASCENDING)],
            name="thread",
        ),
        # the admins' list, newest first, by status
        IndexModel([("status", ASCENDING), ("_id", DESCENDING)], name="by_status"),
    ],
    "mail_incoming": [
        # a message noted once per ticket, however often it is delivered or released
        IndexModel([("ticket_id", ASCENDING), ("message_id", ASCENDING)], unique=True),
        # a sender's messages on a ticket, for threading
        IndexModel(
            [("ticket_id", ASCENDING), ("sender", ASCENDING), ("at", ASCENDING)], name="thread"
        ),
    ],
}


def outbox(db: Database) -> AsyncCollection[OutboxDoc]:
    return cast(AsyncCollection[OutboxDoc], db.mail_outbox)


def _cursors(db: Database) -> AsyncCollection[Document]:
    return db.mail_cursor


def _incoming(db: Database) -> AsyncCollection[Document]:
    return db.mail_incoming


def _preferences(db: Database) -> AsyncCollection[Document]:
    return db.mail_preferences


# The dispatch cursor: the last event turned into messages.


async def start_cursor(db: Database, *, skip_past: bool) -> None:
    """Mail starts with the events after now: the cursor is set to the latest event when it
    does not exist yet, or, with `skip_past` (mail off), moved up to it."""
    latest = await event_queries.latest_seq(db)
    if skip_past:
        update: Document = {"$max": {"seq": latest}}
    else:
        update = {"$setOnInsert": {"seq": latest}}
    await _cursors(db).update_one({"_id": CURSOR_ID}, update, upsert=True)


async def next_direct_seq(db: Database) -> int:
    """The number of a message no event made (below zero: never an event's)."""
    counted = [{"$set": {"seq": {"$add": [{"$ifNull": ["$seq", 0]}, 1]}}}]
    counter = await update_or_create(_cursors(db), "direct", counted)
    assert counter is not None  # a counter has no TTL
    return -int(counter["seq"])


async def cursor(db: Database) -> int:
    found = await _cursors(db).find_one({"_id": CURSOR_ID})
    return int(found["seq"]) if found else 0


async def advance_cursor(db: Database, seq: int) -> None:
    """Never backwards: another process may have dispatched further."""
    await _cursors(db).update_one({"_id": CURSOR_ID}, {"$max": {"seq": seq}}, upsert=True)


async def events_after(db: Database, seq: int, *, limit: int) -> list[EventDoc]:
    return await event_queries.events_after_seq(db, seq, limit=limit)


# What a message is made of.


async def find_users(db: Database, ids: Iterable[ObjectId]) -> dict[ObjectId, UserDoc]:
    found = await users(db).find({"_id": {"$in": list(set(ids))}}).to_list()
    return {user["_id"]: user for user in found}


async def active_admin_ids(db: Database) -> list[ObjectId]:
    found = users(db).find({"role": Role.ADMIN.value, "is_active": True}, {"_id": 1})
    return [user["_id"] async for user in found]


async def find_ticket(db: Database, ticket_id: ObjectId) -> TicketDoc | None:
    return await ticket_queries.find_ticket(db, ticket_id)


async def note_incoming(db: Database, *, ticket_id: ObjectId, sender: str, message_id: str) -> None:
    """A message `sender` (an address) wrote that became a reply or a ticket: our next
    messages to them on the ticket answer it, so their mail client threads both. A
    Message-ID we would not repeat in a header (none, or a malformed one) is not noted."""
    if not MESSAGE_ID.fullmatch(message_id):
        return
    await _incoming(db).update_one(
        {"ticket_id": ticket_id, "message_id": message_id},
        {"$setOnInsert": {"sender": sender.lower(), "at": utcnow()}},
        upsert=True,
    )


async def thread(
    db: Database, ticket_id: ObjectId, recipient_id: ObjectId, address: str
) -> list[str]:
    """The Message-IDs of this ticket's messages the recipient has, oldest first: those we
    sent them and those they sent us (by `address`); the first and the newest of them."""
    sent = (
        await outbox(db)
        .find(
            {"ticket_id": ticket_id, "recipient_id": recipient_id},
            {"message_id": 1, "created_at": 1},
        )
        .sort("event_seq", ASCENDING)
        .to_list()
    )
    written = (
        await _incoming(db)
        .find({"ticket_id": ticket_id, "sender": address.lower()}, {"message_id": 1, "at": 1})
        .sort("at", ASCENDING)
        .to_list()
    )
    timed = [(m["created_at"], m["message_id"]) for m in sent]
    timed += [(m["at"], m["message_id"]) for m in written]
    timed.sort(key=lambda moment_and_id: moment_and_id[0])  # stable: the outbox's order kept
    ids = [message_id for _, message_id in timed]
    return ids if len(ids) <= THREAD_KEPT else [ids[0], *ids[1 - THREAD_KEPT :]]


async def queue_message(db: Database, message: OutboxDoc) -> bool:
    """Whether it was queued here: the unique index refuses one another process queued."""
    try:
        await outbox(db).insert_one(message)
    except DuplicateKeyError:
        return False
    return True


async def queued_token_hash(
    db: Database, *, event_seq: int, recipient_id: ObjectId, kind: str
) -> str | None:
    """The link token's hash of the message queued for this event, recipient and kind."""
    found = await outbox(db).find_one(
        {"event_seq": event_seq, "recipient_id": recipient_id, "kind": kind}, {"token_hash": 1}
    )
    return found.get("token_hash") if found else None


# Delivery


async def claim_due(db: Database, now: datetime, *, lease_ms: int, owner: str) -> OutboxDoc | None:
    """The most overdue queued message no live lease holds, leased to `owner`."""
    return await leases.claim_due(
        outbox(db), {"status": "queued"}, now=now, lease_ms=lease_ms, owner=owner
    )


async def record_attempt(
    db: Database, message_id: ObjectId, *, token: ObjectId, changes: Document, done: bool
) -> bool:
    """Whether it was recorded: only while the claim of `token` holds the lease. `done` (sent
    or failed for good): the message's bytes are dropped, and with them the token of a link
    it carries, stored elsewhere only as a hash."""
    update: Document = {
        "$set": {**changes, "lease_owner": None, "lease_until": None},
        "$inc": {"attempts": 1},
    }
    if done:
        update["$unset"] = {"raw": ""}
    recorded = await outbox(db).update_one({"_id": message_id, "lease_token": token}, update)
    return recorded.matched_count == 1


async def newest_messages(db: Database, *, status: OutboxStatus | None, limit: int) -> list[Any]:
    query: Document = {"status": status} if status else {"_id": {"$gt": ObjectId("0" * 24)}}
    return await outbox(db).find(query, {"raw": 0}).sort("_id", DESCENDING).limit(limit).to_list()


async def tickets_of_sent(db: Database, message_ids: list[str]) -> dict[str, ObjectId]:
    """The ticket of each of `message_ids` (`<...>`) that is a message we sent, for matching a
    reply to it: one query on the `message_id` index."""
    found = outbox(db).find({"message_id": {"$in": message_ids}}, {"message_id": 1, "ticket_id": 1})
    tickets: dict[str, ObjectId] = {}
    async for sent in found:
        if (ticket_id := sent.get("ticket_id")) is not None:
            tickets[sent["message_id"]] = ticket_id
    return tickets


# Preferences: {"_id": user id, "email": {kind: bool}}; a kind not stored is on.


async def preferences(db: Database, user_id: ObjectId) -> dict[str, bool]:
    found = await _preferences(db).find_one({"_id": user_id})
    return dict(found["email"]) if found else {}


async def set_preferences(db: Database, user_id: ObjectId, changes: dict[str, bool]) -> None:
    await _preferences(db).update_one(
        {"_id": user_id},
        {"$set": {f"email.{kind}": on for kind, on in changes.items()}},
        upsert=True,
    )
