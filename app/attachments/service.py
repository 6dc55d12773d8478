"""Attachments: upload (checked, cleaned, counted), list, download, delete."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

from bson import ObjectId
from fastapi import UploadFile

from app.attachments import storage
from app.attachments.files import UnacceptableFile, clean_upload
from app.auth import policy as role_policy
from app.auth.principal import User
from app.core.config import Settings
from app.core.db import Database, Document
from app.core.errors import AppError, FieldError, NotFound
from app.core.ids import object_id_or_404
from app.core.offload import Slots
from app.events import record as events
from app.events.documents import EventType, actor_of
from app.events.record import Session
from app.replies import queries as reply_queries
from app.tickets import activity, policy, queries
from app.tickets.documents import TicketDoc
from app.tickets.policy import Action
from app.tickets.write import TicketEvent

ATTACHMENT_NOT_FOUND = "Attachment not found"
Visibility = Literal["public", "internal"]


class PayloadTooLarge(AppError):
    status_code = 413


@dataclass(frozen=True)
class Download:
    attachment: Document
    chunks: AsyncIterator[bytes]


async def upload(
    *,
    db: Database,
    settings: Settings,
    images: Slots,
    ticket: TicketDoc,
    user: User,
    file: UploadFile,
    visibility: Visibility,
) -> Document:
    """Checks who may attach, reads at most MAX_UPLOAD_BYTES, decides the type from the bytes
    and cleans images (off the event loop), stores the bytes unpublished; then, in one
    transaction, takes one of the ticket's attachment places, publishes the file and records
    the event (see storage.py)."""
    internal = visibility == "internal"
    permit = policy.permit(
        user, ticket, Action.ATTACH_INTERNAL if internal else Action.ATTACH_PUBLIC
    )
    data = await file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"A file can be at most {settings.max_upload_bytes} bytes")
    try:
        clean = await images.run(
            lambda: clean_upload(data, file.filename, max_pixels=settings.max_image_pixels)
        )
    except UnacceptableFile as refused:
        raise FieldError("file", str(refused)) from None
    file_id = ObjectId()
    metadata = {
        "visibility": visibility,
        "uploaded_by": {"id": user.id, "name": user.name, "role": user.role.value},
    }
    await storage.store_unpublished(db, file_id, clean, metadata)

    async def work(session: Session) -> Document:
        stored = await storage.publish(db, session, file_id, ticket["_id"])
        if stored is None:  # pragma: no cover - stored just above
            raise NotFound(ATTACHMENT_NOT_FOUND)
        attachment = queries.attachment_summary(stored)
        added = TicketEvent(
            EventType.ATTACHMENT_ADDED, actor_of(user), visibility, _event_data(attachment)
        )
        await activity.reserve_attachment_slot(
            db=db,
            session=session,
            permit=permit,
            limit=settings.max_attachments_per_ticket,
            added=added,
        )
        return attachment

    try:
        return await events.in_transaction(db, work)
    except BaseException:
        await storage.discard(db, file_id)
        raise


def _event_data(attachment: Document) -> Document:
    keys = ("filename", "content_type", "size", "sha256")
    return {"attachment_id": attachment["_id"], **{k: attachment[k] for k in keys}}


async def list_for_ticket(*, db: Database, permit: policy.Permit) -> list[Document]:
    """A customer sees only the public ones."""
    ticket = permit.ticket_for(Action.VIEW)
    attachments = await queries.attachments_of_ticket(db, ticket["_id"])
    if permit.internal:
        return attachments
    return [a for a in attachments if a["visibility"] == "public"]


async def _visible_attachment(db: Database, user: User, attachment_id: str) -> Document:
    """The attachment if the caller may see its ticket; an internal one is, for a customer,
    as if it did not exist (404)."""
    file = await storage.find_file(db, object_id_or_404(attachment_id, ATTACHMENT_NOT_FOUND))
    if file is None:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    attachment = queries.attachment_summary(file)
    ticket = await queries.find_ticket(db, attachment["ticket_id"])
    if ticket is None:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    policy.ensure_may_read_tickets(user)
    policy.ensure_can_view(user, ticket)
    if attachment["visibility"] != "public" and not policy.can_read_internal(user):
        raise NotFound(ATTACHMENT_NOT_FOUND)
    return attachment


async def download(*, db: Database, user: User, attachment_id: str) -> Download:
    attachment = await _visible_attachment(db, user, attachment_id)
    return Download(attachment, storage.read_chunks(db, attachment["_id"]))


async def delete(*, db: Database, admin: User, attachment_id: str) -> None:
    """Admins (e.g. a privacy request): the bytes go, and so do the references to them in the
    ticket's notes and replies."""
    role_policy.ensure_admin(admin)
    await remove(
        db=db, by=admin, attachment_id=object_id_or_404(attachment_id, ATTACHMENT_NOT_FOUND)
    )


async def remove(*, db: Database, by: User, attachment_id: ObjectId) -> None:
    """An attachment gone, recorded as `by`'s: an admin's delete, or a reply by mail taking
    back the files it uploaded when the reply then failed (app/inbound). The caller checked
    that `by` may."""
    file = await storage.find_file(db, attachment_id)
    if file is None:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    attachment = queries.attachment_summary(file)
    ticket = await queries.find_ticket(db, attachment["ticket_id"])
    if ticket is None:  # pragma: no cover - tickets are never deleted
        raise NotFound(ATTACHMENT_NOT_FOUND)
    deleted = TicketEvent(
        EventType.ATTACHMENT_DELETED,
        actor_of(by),
        attachment["visibility"],
        _event_data(attachment),
    )

    async def work(session: Session) -> None:
        await storage.unlink(db, session, attachment_id)
        await activity.forget_attachment(
            db=db, session=session, ticket=ticket, attachment_id=attachment_id, deleted=deleted
        )
        await reply_queries.forget_attachment(db, session, ticket["_id"], attachment_id)

    await events.in_transaction(db, work)
    await storage.delete_chunks(db, attachment_id)
