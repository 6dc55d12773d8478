"""Users, refresh tokens and throttle events: the queries authentication sends, and the
indexes behind them."""

from typing import cast

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from app.auth.documents import UserDoc
from app.core.db import Database, Document

INDEXES = {
    "users": [
        # login, sign-up uniqueness (emails are stored lower-cased)
        IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
    ],
    "refresh_tokens": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
    "sessions": [
        # one per login; read by _id at every refresh
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
    "throttles": [
        # one document per throttled key (read and written by _id), gone a window after
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
}

# What a request needs of its caller: never the password hash.
CALLER_FIELDS = {
    "email": 1,
    "name": 1,
    "role": 1,
    "is_active": 1,
    "is_approved": 1,
    "ended_sessions.sid": 1,
}


def users(db: Database) -> AsyncCollection[UserDoc]:
    return cast(AsyncCollection[UserDoc], db.users)


async def find_caller(db: Database, user_id: ObjectId) -> Document | None:
    return await db.users.find_one({"_id": user_id}, CALLER_FIELDS)


async def find_by_email(db: Database, email: str) -> UserDoc | None:
    return await users(db).find_one({"email": email.lower()})


async def find_account(db: Database, user_id: ObjectId) -> Document | None:
    """A user as a response may show it (no password hash)."""
    return await db.users.find_one({"_id": user_id}, {"password_hash": 0, "ended_sessions": 0})


async def names_by_id(db: Database, ids: set[ObjectId]) -> dict[ObjectId, str]:
    """All the names a page needs in one round trip, whatever the page size."""
    if not ids:
        return {}
    found = await db.users.find({"_id": {"$in": list(ids)}}, {"name": 1}).to_list()
    return {u["_id"]: u["name"] for u in found}
