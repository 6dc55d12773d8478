"""Users, refresh tokens and throttle events: the queries authentication sends, and the
indexes behind them."""

from collections import OrderedDict
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


# A user's name never changes and no user is deleted (no endpoint does either), so the names
# pages show are remembered per process, the least recently shown forgotten first: a page
# whose people were all shown before needs no read for them. An endpoint that renamed or
# deleted users would have to forget them here.
MAX_REMEMBERED_NAMES = 50_000
_NAMES: OrderedDict[tuple[str, ObjectId], str] = OrderedDict()


async def names_by_id(db: Database, ids: set[ObjectId]) -> dict[ObjectId, str]:
    """All the names a page needs in at most one round trip, whatever the page size."""
    names: dict[ObjectId, str] = {}
    for user_id in ids:
        if (name := _NAMES.get((db.name, user_id))) is not None:
            names[user_id] = name
            _NAMES.move_to_end((db.name, user_id))
    if missing := ids - names.keys():
        found = await db.users.find({"_id": {"$in": list(missing)}}, {"name": 1}).to_list()
        for user in found:
            names[user["_id"]] = _NAMES[(db.name, user["_id"])] = user["name"]
        while len(_NAMES) > MAX_REMEMBERED_NAMES:
            _NAMES.popitem(last=False)
    return names
