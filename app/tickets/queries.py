"""The MongoDB queries of tickets, internal notes and feedback, and the indexes behind them.
Every list pages on `order_key` (see core/pagination.py)."""

from collections.abc import Callable, Sequence
from typing import Any, cast

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from app.core.db import Database, Document
from app.core.pagination import Filter, Keyset, read_page
from app.tickets import search
from app.tickets.documents import CUSTOMER_FIELDS, FeedbackDoc, NoteDoc, TicketDoc, sort_keys
from app.tickets.sorts import NEWEST_FIRST

# Attachments are GridFS files of this bucket (written by app/attachments); their metadata
# names the ticket. Notes and replies embed the summaries of the ones they refer to.
ATTACHMENT_BUCKET = "attachments"
ATTACHMENT_FILES = f"{ATTACHMENT_BUCKET}.files"

SORT_KEYS = [("updated_key", DESCENDING), ("priority_key", DESCENDING), ("due_key", ASCENDING)]

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
        # ?priority=
        IndexModel(
            [("priority", ASCENDING), ("order_key", DESCENDING)], name="tickets_by_priority"
        ),
        # ?q=: one of the words (multikey)
        IndexModel([("terms", ASCENDING), ("order_key", DESCENDING)], name="tickets_by_term"),
        # staff lists' ?tag=: one of the tags (multikey), in every scope and sort
        IndexModel([("tags", ASCENDING), ("order_key", DESCENDING)], name="tickets_by_tag"),
        IndexModel(
            [("agent_id", ASCENDING), ("tags", ASCENDING), ("order_key", DESCENDING)],
            name="tickets_of_agent_by_tag",
        ),
        # the other sorts: everything (admin), and an agent's two scopes; each also by a tag
        *(
            index
            for key, direction in SORT_KEYS
            for index in (
                IndexModel([(key, direction)], name=f"tickets_by_{key}"),
                IndexModel(
                    [("agent_id", ASCENDING), (key, direction)], name=f"tickets_of_agent_by_{key}"
                ),
                IndexModel(
                    [("tags", ASCENDING), (key, direction)], name=f"tickets_by_tag_by_{key}"
                ),
                IndexModel(
                    [("agent_id", ASCENDING), ("tags", ASCENDING), (key, direction)],
                    name=f"tickets_of_agent_by_tag_by_{key}",
                ),
            )
        ),
        # reports: tickets resolved or closed since a period's start
        IndexModel([("resolved_at", ASCENDING)], name="tickets_resolved_at"),
        IndexModel([("closed_at", ASCENDING)], name="tickets_closed_at"),
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
        # one rating per resolution of a ticket, also under concurrent submissions
        IndexModel(
            [("ticket_id", ASCENDING), ("cycle", ASCENDING)], unique=True, name="feedback_once"
        ),
        # reports: feedback given in a period
        IndexModel([("created_at", ASCENDING)]),
    ],
    "surveys": [
        # one survey per resolution, however often the mail of it is dispatched
        IndexModel(
            [("ticket_id", ASCENDING), ("cycle", ASCENDING)], unique=True, name="surveys_once"
        ),
        # the link's token (its hash; a survey whose mail was not sent has none)
        IndexModel([("token_hash", ASCENDING)], unique=True, sparse=True, name="surveys_token"),
        # reports: surveys of the resolutions in a period
        IndexModel([("resolved_at", ASCENDING)], name="surveys_resolved_at"),
    ],
}

# The equality fields an index holds in front of each sort key, best first: a list query
# sends the first set all of whose fields it has, and checks the rest of what was asked on
# the documents read (core/pagination.py says why). A tag asked for comes before every
# path but a customer's: tags are there to pick a few tickets out.
ACCESS_PATHS: dict[str, list[tuple[str, ...]]] = {
    "order_key": [
        ("agent_id", "tags"),
        ("agent_id", "status"),
        ("customer_id",),
        ("agent_id",),
        ("tags",),
        ("terms",),
        ("status",),
        ("priority",),
        ("category",),
        (),
    ],
    **{key: [("agent_id", "tags"), ("agent_id",), ("tags",), ()] for key, _ in SORT_KEYS},
}
# Old documents may still carry the audit trail that events replaced: the background reads
# leave it out. The reads of a request (a ticket, a list page) take whole documents: the
# projection was measured to cost more than the fields it leaves out (docs/benchmarks.md,
# `python -m bench.window_cost`).
WITHOUT_HISTORY = {"history": 0}
VERSIONS = {"_id": 0, "version": 1, "public_version": 1}


def tickets(db: Database) -> AsyncCollection[TicketDoc]:
    return cast(AsyncCollection[TicketDoc], db.tickets)


def notes(db: Database) -> AsyncCollection[NoteDoc]:
    return cast(AsyncCollection[NoteDoc], db.ticket_notes)


def feedback(db: Database) -> AsyncCollection[FeedbackDoc]:
    return cast(AsyncCollection[FeedbackDoc], db.feedback)


def surveys(db: Database) -> AsyncCollection[Document]:
    return db.surveys


async def retire_old_indexes(db: Database) -> None:
    """Feedback was once per ticket; it is once per resolution now (`feedback_once`)."""
    if "ticket_id_1" in await feedback(db).index_information():
        await feedback(db).drop_index("ticket_id_1")


async def find_ticket(db: Database, ticket_id: ObjectId) -> TicketDoc | None:
    return await tickets(db).find_one({"_id": ticket_id})


async def find_sla_policy(db: Database, policy_id: str) -> Document | None:
    """The SLA policy document (app/tickets/sla.py gives the default when there is none)."""
    return await db.sla_policy.find_one({"_id": policy_id})


async def page_of_tickets(
    db: Database,
    filters: Sequence[Filter],
    *,
    limit: int,
    cursor: str | None,
    keyset: Keyset = NEWEST_FIRST,
    key_range: Filter | None = None,
    matches: Callable[[TicketDoc], bool] | None = None,
    asked: str = "",
) -> tuple[list[TicketDoc], str | None]:
    return await read_page(
        tickets(db),
        filters,
        keyset=keyset,
        limit=limit,
        cursor=cursor,
        key_range=key_range,
        matches=matches,
        asked=asked,
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


def _changed_fields(update: Any) -> set[str]:
    stages = update if isinstance(update, list) else [update]
    return {field for stage in stages for fields in stage.values() for field in fields}


def with_version_bump(update: Any) -> Any:
    """Every change of a ticket bumps `version`, and one of a field customers see bumps
    `public_version` too (documents.etag): in an update document, or in a pipeline."""
    bumped = ["version"]
    if _changed_fields(update) & CUSTOMER_FIELDS:
        bumped.append("public_version")
    if isinstance(update, list):
        bump = {f: {"$add": [{"$ifNull": [f"${f}", 0]}, 1]} for f in bumped}
        return [*update, {"$set": bump}]
    return {**update, "$inc": {**update.get("$inc", {}), **dict.fromkeys(bumped, 1)}}


async def update_ticket(
    db: Database,
    ticket_id: ObjectId,
    guard: Filter,
    update: Any,
    *,
    session: AsyncClientSession,
) -> dict[str, int] | None:
    """Applies `update` only if the ticket still matches `guard` (atomic: one document), and
    bumps the ticket's version (its ETag). Returns the versions stored, which count every
    write before this one too (None when the guard failed). Only app/tickets/write.py calls it."""
    # update_one, then a read by _id in the same transaction: the forms both servers answer
    # from the _id index (tests/system/test_db_contract.py, TestGuardedUpdates)
    written = await tickets(db).update_one(
        {"_id": ticket_id, **guard}, with_version_bump(update), session=session
    )
    if not written.matched_count:
        return None
    stored = await tickets(db).find_one({"_id": ticket_id}, VERSIONS, session=session)
    return None if stored is None else cast(dict[str, int], stored)


async def add_missing_keys(db: Database) -> int:
    """Start-up: tickets stored before search, SLA and the other sorts get their terms (of
    subject, description and delivery id), an SLA clock without deadlines, and their sort
    keys; returns how many. (Found by `due_key: null`, which also matches a missing field.)"""
    older = await tickets(db).find({"due_key": None}, WITHOUT_HISTORY).to_list()
    for ticket in older:
        changes: dict[str, Any] = {
            "terms": search.terms_of(
                ticket["subject"], ticket["description"], ticket.get("delivery_id")
            ),
            "sla_started_at": ticket["created_at"],
            "sla_breached": [],
        }
        changes |= sort_keys({**ticket, **changes})
        # a backfill of derived fields, no change anyone sees: no version, no event; and
        # none over a request's write that gave the ticket its keys meanwhile
        await tickets(db).update_one({"_id": ticket["_id"], "due_key": None}, {"$set": changes})
    return len(older)
