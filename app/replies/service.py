"""The public thread between the customer and the staff working their ticket."""

from app.auth.principal import User
from app.core.db import Database
from app.events import record as events
from app.events.documents import EventType, actor_of
from app.events.record import Session
from app.replies import queries
from app.replies.documents import ReplyDoc, new_reply
from app.replies.schemas import ReplyIn
from app.tickets import activity, policy
from app.tickets.documents import TicketDoc


async def add_reply(*, db: Database, ticket: TicketDoc, author: User, data: ReplyIn) -> ReplyDoc:
    """The ticket's bookkeeping (one conditional write through the tickets package, which
    checks who may reply), the reply and its event: one transaction."""
    policy.ensure_can_reply(author, ticket)
    attachments = await activity.resolve_attachments(
        db=db, ticket=ticket, ids=data.attachment_ids, internal_allowed=False
    )
    reply = new_reply(
        ticket_id=ticket["_id"], author=author, body=data.body, attachments=attachments
    )

    async def work(session: Session) -> None:
        after = await activity.record_reply(
            db=db, session=session, ticket=ticket, author=author, body=data.body
        )
        await queries.replies(db).insert_one(reply, session=session)
        await events.record(
            db,
            session,
            EventType.REPLY_CREATED,
            actor=actor_of(author),
            visibility="public",
            data={
                "reply_id": reply["_id"],
                "body": reply["body"],
                "attachment_ids": [a["_id"] for a in attachments],
            },
            ticket=after,
        )

    await events.in_transaction(db, work)
    return reply


async def list_thread(
    *, db: Database, user: User, ticket: TicketDoc, limit: int, cursor: str | None
) -> tuple[list[ReplyDoc], str | None]:
    """Oldest first, for whoever may view the ticket (replies hold public content only)."""
    policy.ensure_can_view(user, ticket)
    return await queries.page_of_thread(
        db, ticket["_id"], opened_at=ticket["created_at"], limit=limit, cursor=cursor
    )
