"""Attachment answers. The attachment's own shape, AttachmentOut, is the ticket's (notes and
replies embed it): app/tickets/schemas.py."""

from app.core.schemas import Schema
from app.tickets.schemas import AttachmentOut


class AttachmentCreatedOut(Schema):
    message: str
    attachment: AttachmentOut


class AttachmentListOut(Schema):
    attachments: list[AttachmentOut]
