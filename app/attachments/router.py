"""Attachments: /api/support/tickets/{ticket_id}/attachments/ (upload, list) and
/api/support/attachments/{attachment_id}/ (download, delete)."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile, status
from fastapi.responses import Response, StreamingResponse

from app.attachments import service
from app.attachments.schemas import AttachmentCreatedOut, AttachmentListOut
from app.auth.deps import AdminUser, CurrentUser
from app.core.deps import DbDep, SettingsDep
from app.core.errors import responses
from app.core.offload import Slots
from app.core.schemas import MessageOut
from app.tickets.deps import CurrentTicket, MayView, TicketReader
from app.tickets.schemas import AttachmentOut

router = APIRouter(tags=["attachments"])


async def get_image_slots(request: Request) -> Slots:
    slots: Slots = request.app.state.image_slots
    return slots


ImageSlots = Annotated[Slots, Depends(get_image_slots)]


@router.post(
    "/support/tickets/{ticket_id}/attachments/",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentCreatedOut,
    responses=responses(400, 401, 403, 404, 409, 413),
    summary="Attach a file: JPEG, PNG, WebP, GIF or HEIC photo, PDF or plain text (the owning "
    "customer, the assigned agent, admins; internal ones: the assigned agent, admins)",
)
async def upload_attachment(
    user: TicketReader,
    ticket: CurrentTicket,
    db: DbDep,
    settings: SettingsDep,
    images: ImageSlots,
    file: Annotated[UploadFile, File(description="At most MAX_UPLOAD_BYTES (10 MiB)")],
    visibility: Annotated[service.Visibility, Form()] = "public",
) -> AttachmentCreatedOut:
    attachment = await service.upload(
        db=db,
        settings=settings,
        images=images,
        ticket=ticket,
        user=user,
        file=file,
        visibility=visibility,
    )
    return AttachmentCreatedOut(
        message="Attachment uploaded successfully", attachment=AttachmentOut.from_doc(attachment)
    )


@router.get(
    "/support/tickets/{ticket_id}/attachments/",
    response_model=AttachmentListOut,
    responses=responses(401, 403, 404),
    summary="A ticket's attachments, oldest first (whoever may view the ticket; customers see "
    "the public ones)",
)
async def list_attachments(permit: MayView, db: DbDep) -> AttachmentListOut:
    found = await service.list_for_ticket(db=db, permit=permit)
    return AttachmentListOut(attachments=[AttachmentOut.from_doc(a) for a in found])


@router.get(
    "/support/attachments/{attachment_id}/",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The stored bytes", "content": {"application/octet-stream": {}}},
        304: {"description": "Not modified (If-None-Match)"},
        **responses(401, 403, 404),
    },
    summary="Download an attachment's bytes (whoever may view its ticket; internal ones: staff)",
)
async def download_attachment(
    attachment_id: str, user: CurrentUser, db: DbDep, request: Request
) -> Response:
    found = await service.download(db=db, user=user, attachment_id=attachment_id)
    attachment = found.attachment
    headers = {
        "ETag": f'"{attachment["sha256"]}"',
        "Cache-Control": "private",
        "Content-Security-Policy": "sandbox",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    content_type = attachment["content_type"]
    if content_type == "text/plain":
        content_type += "; charset=utf-8"
    headers["Content-Length"] = str(attachment["size"])
    headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(attachment['filename'])}"
    return StreamingResponse(found.chunks, media_type=content_type, headers=headers)


@router.delete(
    "/support/attachments/{attachment_id}/",
    response_model=MessageOut,
    responses=responses(401, 403, 404),
    summary="Delete an attachment and its bytes, e.g. on a privacy request (admins)",
)
async def delete_attachment(attachment_id: str, admin: AdminUser, db: DbDep) -> MessageOut:
    await service.delete(db=db, admin=admin, attachment_id=attachment_id)
    return MessageOut(message="Attachment deleted successfully")
