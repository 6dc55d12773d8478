"""Users, logins (sessions), refresh tokens and throttle events: the queries authentication
sends, and the indexes behind them."""

import contextlib
from datetime import datetime
from typing import cast

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError
from pymongo.results import UpdateResult

from app.auth.documents import UserDoc
from app.core.db import Database, Document, update_one_or_create
from app.core.lru import Lru

INDEXES = {
    "users": [
        # login, sign-up uniqueness (emails are stored lower-cased)
        IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
    ],
    "refresh_tokens": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
    "sessions": [
        # one per login, read by _id at every request; kept until its last access token
        # has expired
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
        # deactivation ends all of a user's logins
        IndexModel([("user_id", ASCENDING)], name="sessions_by_user"),
    ],
    "magic_links": [
        # a sign-in link is found by its token's hash, and gone once it has expired
        IndexModel([("token_hash", ASCENDING)], unique=True, name="magic_links_token"),
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
}


def users(db: Database) -> AsyncCollection[UserDoc]:
    return cast(AsyncCollection[UserDoc], db.users)


async def insert_user(db: Database, user: UserDoc, *, txn: AsyncClientSession) -> None:
    await users(db).insert_one(user, session=txn)


async def find_caller(db: Database, user_id: ObjectId) -> Document | None:
    return await db.users.find_one({"_id": user_id}, CALLER_FIELDS)


async def find_by_email(db: Database, email: str) -> UserDoc | None:
    return await users(db).find_one({"email": email.lower()})


async def find_account(db: Database, user_id: ObjectId) -> Document | None:
    """A user as a response may show it (no password hash)."""
    return await db.users.find_one({"_id": user_id}, {"password_hash": 0})


async def set_password_hash(db: Database, user_id: ObjectId, password_hash: str) -> None:
    await db.users.update_one({"_id": user_id}, {"$set": {"password_hash": password_hash}})


async def insert_magic_link(db: Database, link: Document) -> None:
    await db.magic_links.insert_one(link)


async def spend_magic_link(db: Database, token_hash: str, now: datetime) -> Document | None:
    """The link, spent now if it was not and has not expired: found by its token's hash,
    then spent by one conditional update by `_id`, so of simultaneous uses exactly the one
    whose update changed it gets it (not a `findAndModify`: tests/system/test_architecture.py
    says why)."""
    link = await db.magic_links.find_one({"token_hash": token_hash})
    if link is None or link.get("used_at") is not None or link["expires_at"] <= now:
        return None
    spent = await db.magic_links.update_one(
        {"_id": link["_id"], "used_at": None}, {"$set": {"used_at": now}}
    )
    return link if spent.modified_count else None


async def insert_session(db: Database, login: Document) -> None:
    await db.sessions.insert_one(login)


async def find_session(db: Database, session: ObjectId) -> Document | None:
    # By _id alone: a residual field beside _id is not an index scan on every server.
    return await db.sessions.find_one({"_id": session}, {"revoked": 1, "created_at": 1})


async def end_session(
    db: Database, session: ObjectId, *, user_id: ObjectId | None, at: datetime, keep_until: datetime
) -> None:
    """Marks a login ended. An ended login is left exactly as it is. A login whose record
    has expired gets one again, ended, kept until `keep_until` (its last access token's end)."""
    ended = {"revoked": True, "ended_at": at}
    changed = await db.sessions.update_one({"_id": session, "revoked": False}, {"$set": ended})
    if changed.matched_count:
        return
    with contextlib.suppress(DuplicateKeyError):  # it had ended before
        await db.sessions.insert_one(
            {"_id": session, "user_id": user_id, **ended, "expires_at": keep_until}
        )


async def end_sessions_of(
    db: Database, user_id: ObjectId, *, at: datetime, txn: AsyncClientSession
) -> None:
    """Ends every login of the user not ended yet (deactivation)."""
    await db.sessions.update_many(
        {"user_id": user_id, "revoked": False},
        {"$set": {"revoked": True, "ended_at": at}},
        session=txn,
    )


async def spend_refresh_token(db: Database, jti: str, at: datetime) -> bool:
    """Spending is one conditional update: of two concurrent uses, exactly one is True."""
    spent = await db.refresh_tokens.update_one(
        {"_id": jti, "spent": False}, {"$set": {"spent": True, "spent_at": at}}
    )
    return bool(spent.matched_count)


async def insert_refresh_token(db: Database, token: Document) -> None:
    await db.refresh_tokens.insert_one(token)


async def update_throttle(
    db: Database, key: str, update: Document | list[Document]
) -> UpdateResult | None:
    """`update` applied to the key's document, created bare first when missing (None if it
    was removed meanwhile each time): its modified count is a guarded update's answer."""
    return await update_one_or_create(db.throttles, key, update)


async def throttle_attempts(db: Database, key: str) -> list[Document]:
    found = await db.throttles.find_one({"_id": key}, {"attempts": 1})
    return list(found.get("attempts", [])) if found else []


async def delete_throttle(db: Database, key: str) -> None:
    await db.throttles.delete_one({"_id": key})


async def forget_throttle_attempt(db: Database, key: str, attempt_id: ObjectId) -> None:
    await db.throttles.update_one({"_id": key}, {"$pull": {"attempts": {"id": attempt_id}}})


# A user's name never changes and no user is deleted (no endpoint does either), so the names
# pages show are remembered per process, the least recently shown forgotten first: a page
# whose people were all shown before needs no read for them. An endpoint that renamed or
# deleted users would have to forget them here.
MAX_REMEMBERED_NAMES = 50_000
_NAMES = Lru[tuple[str, ObjectId], str](MAX_REMEMBERED_NAMES)


async def names_by_id(db: Database, ids: set[ObjectId]) -> dict[ObjectId, str]:
    """All the names a page needs in at most one round trip, whatever the page size."""
    names: dict[ObjectId, str] = {}
    for user_id in ids:
        if (name := _NAMES.get((db.name, user_id))) is not None:
            names[user_id] = name
    if missing := ids - names.keys():
        found = await db.users.find({"_id": {"$in": list(missing)}}, {"name": 1}).to_list()
        for user in found:
            names[user["_id"]] = user["name"]
            _NAMES.put((db.name, user["_id"]), user["name"])
    return names
