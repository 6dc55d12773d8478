"""A message's files, through the attachments service as any upload: the same checks (type
from the bytes, size, the ticket's limit) and cleaning (images re-encoded, metadata gone)."""

from io import BytesIO

from bson import ObjectId
from fastapi import UploadFile

from app.attachments import service as attachments
from app.auth.principal import User
from app.core.errors import AppError
from app.inbound.mailroom import Mailroom
from app.inbound.message import Attachment
from app.tickets.documents import TicketDoc

MAX_PER_REPLY = 10  # a reply names at most ten attachments


async def attach_files(
    room: Mailroom, *, ticket: TicketDoc, user: User, files: list[Attachment]
) -> list[str]:
    """The ids of the files accepted; a refused file (a type not allowed, too large, the
    ticket full) is left out, the rest of the message still counts."""
    accepted: list[str] = []
    for file in files[:MAX_PER_REPLY]:
        upload = UploadFile(BytesIO(file.data), filename=file.filename, size=len(file.data))
        try:
            stored = await attachments.upload(
                db=room.db,
                settings=room.settings,
                images=room.images,
                ticket=ticket,
                user=user,
                file=upload,
                visibility="public",
            )
        except AppError:
            continue
        accepted.append(str(stored["_id"]))
    return accepted


async def take_back(room: Mailroom, *, user: User, attachment_ids: list[str]) -> None:
    """The files uploaded for a reply that then failed: removed (each with its deleted event),
    so the ticket does not keep them without the reply, nor twice after the sender's retry."""
    for attachment_id in attachment_ids:
        await attachments.remove(db=room.db, by=user, attachment_id=ObjectId(attachment_id))
