"""The public thread between the customer and the staff working their ticket."""

from app.core.db import Database
from app.events import record as events
from app.events.documents import EventType, actor_of
from app.events.record import Session
from app.replies import queries
from app.replies.documents import ReplyDoc, Via, new_reply
from app.replies.schemas import ReplyIn
from app.tickets import activity
from app.tickets.policy import Action, Permit
from app.tickets.write import TicketEvent


async def add_reply(*, db: Database, permit: Permit, data: ReplyIn, via: Via = "web") -> ReplyDoc:
    """The ticket's bookkeeping (one conditional write through the tickets package), the
    reply and its event: one transaction. `via`: how it was written (the API, or e-mail)."""
    ticket, author = permit.ticket_for(Action.REPLY), permit.user
    attachments = await activity.resolve_attachments(
        db=db, ticket=ticket, ids=data.attachment_ids, internal_allowed=False
    )
    reply = new_reply(
        ticket_id=ticket["_id"], author=author, body=data.body, attachments=attachments, via=via
    )

    created = TicketEvent(
        EventType.REPLY_CREATED,
        actor_of(author),
        "public",
        {
            "reply_id": reply["_id"],
            "body": reply["body"],
            "attachment_ids": [a["_id"] for a in attachments],
            "via": via,
        },
    )

    async def work(session: Session) -> None:
        await activity.record_reply(
            db=db, session=session, permit=permit, body=data.body, reply_event=created
        )
        await queries.replies(db).insert_one(reply, session=session)

    await events.in_transaction(db, work)
    return reply


async def list_thread(
    *, db: Database, permit: Permit, limit: int, cursor: str | None
) -> tuple[list[ReplyDoc], str | None]:
    """Oldest first, for whoever may view the ticket (replies hold public content only)."""
    ticket = permit.ticket_for(Action.VIEW)
    return await queries.page_of_thread(
        db, ticket["_id"], opened_at=ticket["created_at"], limit=limit, cursor=cursor
    )
