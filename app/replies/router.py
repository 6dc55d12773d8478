"""The public thread: /api/support/tickets/{ticket_id}/replies/."""

from fastapi import APIRouter, status

from app.core.deps import DEFAULT_LIMIT, DbDep, PageCursor, PageLimit
from app.core.errors import responses
from app.replies import service
from app.replies.schemas import ReplyCreatedOut, ReplyIn, ReplyListOut, ReplyOut
from app.tickets.deps import MayReplyUnchanged, MayView

router = APIRouter(tags=["replies"])


@router.post(
    "/support/tickets/{ticket_id}/replies/",
    status_code=status.HTTP_201_CREATED,
    response_model=ReplyCreatedOut,
    responses=responses(400, 401, 403, 404, 409, 412, 413),
    summary="Reply in the public thread (the owning customer, the assigned agent, admins); "
    "a customer's reply reopens a Resolved or On Hold ticket",
)
async def add_reply(data: ReplyIn, permit: MayReplyUnchanged, db: DbDep) -> ReplyCreatedOut:
    reply = await service.add_reply(db=db, permit=permit, data=data)
    return ReplyCreatedOut(message="Reply added successfully", reply=ReplyOut.from_doc(reply))


@router.get(
    "/support/tickets/{ticket_id}/replies/",
    response_model=ReplyListOut,
    responses=responses(400, 401, 403, 404),
    summary="The public thread, oldest first (whoever may view the ticket)",
)
async def list_replies(
    permit: MayView, db: DbDep, limit: PageLimit = DEFAULT_LIMIT, cursor: PageCursor = None
) -> ReplyListOut:
    page, next_cursor = await service.list_thread(db=db, permit=permit, limit=limit, cursor=cursor)
    return ReplyListOut(replies=[ReplyOut.from_doc(r) for r in page], next_cursor=next_cursor)
