"""Accounts' writes to users (approval, activation), the admin's agent list: the queries and
their indexes."""

from datetime import datetime

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from app.auth.documents import Role
from app.core.db import Database, Document
from app.core.pagination import OLDEST_FIRST, read_page

INDEXES = {
    "users": [
        # admin agent list; bootstrap "is there an admin?"
        IndexModel([("role", ASCENDING), ("_id", ASCENDING)], name="users_by_role"),
        # admin agent list with ?approved=
        IndexModel(
            [("role", ASCENDING), ("is_approved", ASCENDING), ("_id", ASCENDING)],
            name="agents_by_approval",
        ),
    ],
}


async def page_of_agents(
    db: Database, *, approved: bool | None, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    query: Document = {"role": Role.AGENT.value}
    if approved is not None:
        query["is_approved"] = approved
    return await read_page(
        db.users,
        [query],
        keyset=OLDEST_FIRST,
        limit=limit,
        cursor=cursor,
        projection={"password_hash": 0},
    )


async def admin_exists(db: Database) -> bool:
    return bool(await db.users.count_documents({"role": Role.ADMIN.value}, limit=1))


async def approve_agent(
    db: Database, agent_id: ObjectId, approval: Document, *, txn: AsyncClientSession
) -> bool:
    """True if the agent was waiting for approval (and now is approved)."""
    approved = await db.users.update_one(
        {"_id": agent_id, "role": Role.AGENT.value, "is_approved": False},
        {"$set": approval},
        session=txn,
    )
    return bool(approved.matched_count)


async def find_role(db: Database, user_id: ObjectId) -> Document | None:
    return await db.users.find_one({"_id": user_id}, {"role": 1})


async def set_active(
    db: Database, user_id: ObjectId, *, active: bool, at: datetime, txn: AsyncClientSession
) -> bool:
    """False if there is no such user."""
    result = await db.users.update_one(
        {"_id": user_id}, {"$set": {"is_active": active, "updated_at": at}}, session=txn
    )
    return bool(result.matched_count)
