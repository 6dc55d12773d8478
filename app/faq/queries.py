"""The FAQ's queries and indexes: the entries, their version (what tells each process's
suggestion index that it is stale), and what the suggestions record (sessions, reactions)."""

from datetime import datetime, timedelta
from typing import Any, cast

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from app.core.db import Database, Document, find_in, update_one_or_create
from app.core.pagination import OLDEST_FIRST, Filter, read_page
from app.events.record import Session
from app.faq.documents import FaqDoc

FAQ_VERSION = "faq_version"  # the meta document counting changes of the FAQ
KEPT = timedelta(days=90)  # what the suggestions record is kept for (TTL)

INDEXES = {
    "faqs": [
        # public FAQ list, ?category=
        IndexModel([("category", ASCENDING), ("_id", ASCENDING)], name="faqs_by_category"),
    ],
    "faq_sessions": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
        IndexModel([("shown_at", ASCENDING)], name="faq_sessions_by_shown"),  # deflection
        IndexModel([("at", ASCENDING)], name="faq_sessions_by_at"),  # unanswered questions
    ],
    "faq_reactions": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
        IndexModel([("kind", ASCENDING), ("at", ASCENDING)], name="faq_reactions_by_kind"),
    ],
}


def faqs(db: Database) -> AsyncCollection[FaqDoc]:
    return cast(AsyncCollection[FaqDoc], db.faqs)


async def page_of_faqs(
    db: Database, *, category: str | None, limit: int, cursor: str | None
) -> tuple[list[FaqDoc], str | None]:
    query: Filter = {} if category is None else {"category": category}
    return await read_page(faqs(db), [query], keyset=OLDEST_FIRST, limit=limit, cursor=cursor)


async def all_faqs(db: Database) -> list[FaqDoc]:
    return await faqs(db).find({}).to_list()


async def faq_exists(db: Database, faq_id: ObjectId) -> bool:
    return await faqs(db).find_one({"_id": faq_id}, {"_id": 1}) is not None


async def faq_version(db: Database) -> int:
    found = await db.meta.find_one({"_id": FAQ_VERSION})
    return int(found["n"]) if found else 0


async def bump_faq_version(db: Database, session: Session | None = None) -> None:
    await db.meta.update_one({"_id": FAQ_VERSION}, {"$inc": {"n": 1}}, upsert=True, session=session)


async def record_suggestion(
    db: Database, *, session: str, query: str, best: float, shown: bool, now: datetime
) -> None:
    """Remembers the latest query of a suggestion session (one new-ticket form), and when it
    was first shown suggestions: one update by `_id` (not a `findAndModify`:
    tests/system/test_architecture.py says why). `query` is normalised (letters, digits,
    spaces), so never read as a field path in the pipeline."""
    latest = {
        "query": query,
        "best": best,
        "at": now,
        "expires_at": now + KEPT,
        "shown_at": {"$ifNull": ["$shown_at", now if shown else None]},
    }
    await update_one_or_create(db.faq_sessions, session, [{"$set": latest}])


async def record_reaction(
    db: Database, *, faq_id: ObjectId, kind: str, session: str | None, now: datetime
) -> None:
    reaction = {"faq_id": faq_id, "kind": kind, "session": session, "at": now}
    await db.faq_reactions.insert_one({**reaction, "expires_at": now + KEPT})


async def count_shown(db: Database, start: datetime, end: datetime) -> int:
    return await db.faq_sessions.count_documents({"shown_at": {"$gte": start, "$lt": end}})


async def count_reactions(db: Database, kind: str, start: datetime, end: datetime) -> int:
    return await db.faq_reactions.count_documents({"kind": kind, "at": {"$gte": start, "$lt": end}})


async def count_sessions_shown(db: Database, sessions: list[str]) -> int:
    """How many of `sessions` were shown suggestions (by _id)."""
    if not sessions:
        return 0
    shown = {"shown_at": {"$ne": None}}
    return len(await find_in(db.faq_sessions, "_id", sessions, where=shown, projection={"_id": 1}))


async def unanswered(db: Database, *, since: datetime, below: float, limit: int) -> list[Document]:
    """The most frequent latest queries of sessions since `since` whose best score was below
    `below`: the range of the `at` index, grouped."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"at": {"$gte": since}}},
        {"$match": {"best": {"$lt": below}, "query": {"$ne": ""}}},
        {
            "$group": {
                "_id": "$query",
                "count": {"$sum": 1},
                "best": {"$max": "$best"},
                "last": {"$max": "$at"},
            }
        },
        {"$sort": {"count": DESCENDING, "last": DESCENDING}},
        {"$limit": limit},
    ]
    return await (await db.faq_sessions.aggregate(pipeline)).to_list()
