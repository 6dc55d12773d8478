"""The canned responses' queries and indexes.

A canned response's `owner_id` is its agent's id, or None for a shared one: one index serves
both halves of a caller's list. A shortcut is unique within its owner (the shared ones being
one owner), through `shortcut_key`, present only when there is a shortcut (sparse). How many
each owner has is counted in `canned_counts`, taken in the create's transaction: simultaneous
creates conflict there and are retried, so the bound holds exactly."""

import contextlib
from typing import Any, cast

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from app.canned.documents import CannedDoc
from app.core.db import Database, Document
from app.events.record import Session

INDEXES = {
    "canned_responses": [
        IndexModel([("owner_id", ASCENDING), ("title", ASCENDING)], name="canned_by_owner"),
        IndexModel(
            [("shortcut_key", ASCENDING)], unique=True, sparse=True, name="canned_shortcuts"
        ),
    ],
}


def canned(db: Database) -> AsyncCollection[CannedDoc]:
    return cast(AsyncCollection[CannedDoc], db.canned_responses)


def owner_key(owner_id: ObjectId | None) -> str:
    return str(owner_id) if owner_id else "shared"


def stored(doc: CannedDoc) -> Document:
    """The document as written: with its shortcut's unique key."""
    written: Document = {k: v for k, v in doc.items() if k != "shortcut_key"}
    if doc["shortcut"]:
        written["shortcut_key"] = f"{owner_key(doc['owner_id'])}:{doc['shortcut']}"
    return written


async def list_of(db: Database, owner_id: ObjectId | None, limit: int) -> list[CannedDoc]:
    return await canned(db).find({"owner_id": owner_id}).sort("title").limit(limit).to_list()


async def find_canned(db: Database, canned_id: ObjectId) -> CannedDoc | None:
    return await canned(db).find_one({"_id": canned_id})


async def take_place(db: Database, session: Session, owner_id: ObjectId | None, most: int) -> bool:
    """One more canned response for the owner, if it has fewer than `most` (in `session`)."""
    key = owner_key(owner_id)
    with contextlib.suppress(DuplicateKeyError):
        await db.canned_counts.insert_one({"_id": key, "n": 0})
    taken = await db.canned_counts.update_one(
        {"_id": key, "n": {"$lt": most}}, {"$inc": {"n": 1}}, session=session
    )
    return taken.modified_count == 1


async def insert_canned(db: Database, session: Session, doc: CannedDoc) -> None:
    await canned(db).insert_one(cast(CannedDoc, stored(doc)), session=session)


async def replace_canned(db: Database, doc: CannedDoc) -> bool:
    written = {k: v for k, v in stored(doc).items() if k != "_id"}
    unset: dict[str, Any] = {} if "shortcut_key" in written else {"shortcut_key": ""}
    update: Document = {"$set": written} | ({"$unset": unset} if unset else {})
    return (await canned(db).update_one({"_id": doc["_id"]}, update)).matched_count == 1


async def delete_canned(db: Database, session: Session, doc: CannedDoc) -> bool:
    gone = await canned(db).delete_one({"_id": doc["_id"]}, session=session)
    if gone.deleted_count == 0:
        return False
    key = owner_key(doc["owner_id"])
    await db.canned_counts.update_one({"_id": key}, {"$inc": {"n": -1}}, session=session)
    return True
