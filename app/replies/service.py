"""The public thread between the customer and the staff working their ticket."""

from app.auth.principal import User
from app.core.db import Database
from app.core.pagination import Filter
from app.events import record as events
from app.events.documents import EventType, actor_of
from app.events.record import Session
from app.replies import queries
from app.replies.documents import ReplyDoc, Via, new_reply
from app.replies.schemas import ReplyIn
from app.tickets import activity
from app.tickets.documents import TicketDoc
from app.tickets.policy import Action, Permit
from app.tickets.write import TicketChange, TicketEvent, write_ticket


async def reply_change(
    *, db: Database, ticket: TicketDoc, author: User, data: ReplyIn, via: Via = "web"
) -> tuple[ReplyDoc, TicketChange, Filter]:
    """A reply by `author` (who may reply on `ticket`, as read), to insert in the transaction
    that writes the ticket's change (its bookkeeping and the `reply.created` event), and the
    guard that write relies on. (Also one step of a macro, app/macros.)"""
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
    change, guard = await activity.reply_bookkeeping(
        db=db, ticket=ticket, author=author, body=data.body, reply_event=created
    )
    return reply, change, guard


async def add_reply(*, db: Database, permit: Permit, data: ReplyIn, via: Via = "web") -> ReplyDoc:
    """The ticket's bookkeeping (one conditional write through the tickets package), the
    reply and its event: one transaction. `via`: how it was written (the API, or e-mail)."""
    ticket = permit.ticket_for(Action.REPLY)
    reply, change, guard = await reply_change(
        db=db, ticket=ticket, author=permit.user, data=data, via=via
    )

    async def work(session: Session) -> None:
        await write_ticket(db=db, session=session, ticket=ticket, guard=guard, change=change)
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
