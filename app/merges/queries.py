"""What a merge moves: the sources' replies, internal notes and attachments, re-pointed to the
target by `ticket_id` (one update per collection and source, in the merge's transaction; the
attachment bytes stay where GridFS keeps them). Each keeps its own time (`order_key`,
`created_at`, `_id`), so the target's thread, notes and files read in time order."""

from dataclasses import dataclass

from bson import ObjectId

from app.core.db import Database
from app.events.record import Session
from app.replies import queries as reply_queries
from app.tickets import queries as ticket_queries
from app.tickets.documents import TicketDoc


@dataclass(frozen=True)
class Moved:
    replies: int
    notes: int
    attachments: int


async def find_tickets(db: Database, ids: list[ObjectId]) -> dict[ObjectId, TicketDoc]:
    found = await ticket_queries.tickets(db).find({"_id": {"$in": ids}}).to_list()
    return {ticket["_id"]: ticket for ticket in found}


async def move_children(
    db: Database, session: Session, source_id: ObjectId, target_id: ObjectId
) -> Moved:
    """Re-points what the source holds to the target; the attachment summaries that replies
    and notes embed name the target too."""
    repoint = {"$set": {"ticket_id": target_id, "attachments.$[].ticket_id": target_id}}
    replies = await reply_queries.replies(db).update_many(
        {"ticket_id": source_id}, repoint, session=session
    )
    notes = await ticket_queries.notes(db).update_many(
        {"ticket_id": source_id}, repoint, session=session
    )
    files = await db[ticket_queries.ATTACHMENT_FILES].update_many(
        {"metadata.ticket_id": source_id},
        {"$set": {"metadata.ticket_id": target_id}},
        session=session,
    )
    return Moved(replies.modified_count, notes.modified_count, files.modified_count)
