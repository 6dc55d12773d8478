"""Presence's queries and indexes. Times are the service's clock (app/core/clock.py), so
every instance reads the same expiries from the database and tests drive them. Expired
documents are swept by the next heartbeat or leave on their ticket (service.py), not by a
TTL index: a TTL would compare them with the database server's clock instead."""

from datetime import datetime
from typing import cast

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from app.core.db import Database
from app.events.record import Session
from app.presence.documents import PresenceDoc

INDEXES = {
    "ticket_presence": [
        IndexModel(
            [("ticket_id", ASCENDING), ("agent_id", ASCENDING)],
            unique=True,
            name="presence_of_ticket",
        ),
    ],
}


def presence(db: Database) -> AsyncCollection[PresenceDoc]:
    return cast(AsyncCollection[PresenceDoc], db.ticket_presence)


async def find_presence(
    db: Database, session: Session, ticket_id: ObjectId, agent_id: ObjectId
) -> PresenceDoc | None:
    return await presence(db).find_one(
        {"ticket_id": ticket_id, "agent_id": agent_id}, session=session
    )


async def save_presence(db: Database, session: Session, doc: PresenceDoc) -> None:
    key = {"ticket_id": doc["ticket_id"], "agent_id": doc["agent_id"]}
    await presence(db).replace_one(key, doc, upsert=True, session=session)


async def remove_presence(db: Database, session: Session, doc: PresenceDoc) -> bool:
    return (await presence(db).delete_one({"_id": doc["_id"]}, session=session)).deleted_count == 1


async def expired_on(
    db: Database, session: Session, ticket_id: ObjectId, now: datetime
) -> list[PresenceDoc]:
    found = presence(db).find(
        {"ticket_id": ticket_id, "expires_at": {"$lte": now}}, session=session
    )
    return await found.to_list()


async def present_on(db: Database, ticket_id: ObjectId, now: datetime) -> list[PresenceDoc]:
    found = presence(db).find({"ticket_id": ticket_id, "expires_at": {"$gt": now}})
    return await found.sort("since").to_list()
