"""Every collection access of auto-assignment: the settings document, and the availability an
agent keeps on their user document. Ticket writes read both, and keep the agents' loads, in
app/tickets/loads.py (which also declares the index the picks use)."""

from typing import Any

from bson import ObjectId

from app.core.db import Database, Document
from app.events.record import Session
from app.tickets.loads import AssignmentSettingsDoc


async def replace_settings(db: Database, doc: AssignmentSettingsDoc) -> None:
    await db.assignment_settings.replace_one({"_id": doc["_id"]}, doc, upsert=True)


async def find_availability(db: Database, agent_id: ObjectId) -> Document | None:
    return await db.users.find_one({"_id": agent_id}, {"availability": 1, "open_tickets": 1})


async def set_availability(
    db: Database, session: Session, agent_id: ObjectId, fields: dict[str, Any]
) -> None:
    await db.users.update_one({"_id": agent_id}, {"$set": fields}, session=session)
