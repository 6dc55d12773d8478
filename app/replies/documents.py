"""The stored public reply and its one constructor."""

from datetime import datetime
from typing import Any, Literal, NotRequired, TypedDict

from bson import ObjectId

from app.auth.principal import User
from app.core.clock import utcnow
from app.tickets.documents import order_key

# How a reply was written: in the console/API, or by e-mail (app/inbound). Replies stored
# before the field existed were written on the web.
Via = Literal["web", "email"]


class ReplyDoc(TypedDict):
    _id: ObjectId
    ticket_id: ObjectId
    author: dict[str, Any]  # {"id", "name", "role"} as they were when the reply was written
    body: str
    attachments: list[dict[str, Any]]  # summaries of public attachments of the same ticket
    created_at: datetime
    order_key: str  # the thread pages on it, oldest first (see core/pagination.py)
    via: NotRequired[Via]


def new_reply(
    *,
    ticket_id: ObjectId,
    author: User,
    body: str,
    attachments: list[dict[str, Any]],
    via: Via = "web",
) -> ReplyDoc:
    now, reply_id = utcnow(), ObjectId()
    return ReplyDoc(
        _id=reply_id,
        ticket_id=ticket_id,
        author={"id": author.id, "name": author.name, "role": author.role.value},
        body=body,
        attachments=attachments,
        created_at=now,
        order_key=order_key(now, reply_id),
        via=via,
    )
