"""Mail in: POST /api/inbound/email/ (raw RFC 822, its own bearer secret), the kept messages
for staff, the quarantine for admins."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import Response

from app.attachments.service import PayloadTooLarge
from app.auth.deps import AdminUser, StaffUser
from app.core.config import Settings
from app.core.deps import DbDep, SettingsDep
from app.core.errors import BadRequest, NotAuthenticated, responses
from app.inbound import service
from app.inbound.limits import max_message_bytes
from app.inbound.mailroom import Mailroom
from app.inbound.schemas import EmailListOut, EmailOut, InboundOut, QuarantinedOut, QuarantineOut
from app.inbound.service import Outcome
from app.tickets.deps import MayWork

router = APIRouter(tags=["mail"])
ACCEPTED = "Email accepted"
RFC822 = "message/rfc822"
EXAMPLE_MESSAGE = (
    "From: Ann Smith <ann@example.org>\r\nTo: support+k5v2...@example.com\r\n"
    "Subject: Re: [#65f0aa11bb22cc33dd44ee55] Parcel never arrived\r\n"
    "Message-ID: <CAF3x9Zq1YbQ2m@mail.gmail.com>\r\n\r\nThe tracking number is 4711.\r\n"
)
RAW_MESSAGE = {RFC822: {"schema": {"type": "string"}, "example": EXAMPLE_MESSAGE}}


def _check_secret(request: Request, settings: Settings) -> None:
    """Bearer INBOUND_EMAIL_SECRET, compared in constant time; unset: nobody gets in."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    secret = settings.inbound_email_secret
    if secret is None or scheme.lower() != "bearer" or not given:
        raise NotAuthenticated()
    if not hmac.compare_digest(given.strip().encode(), secret.get_secret_value().encode()):
        raise NotAuthenticated("Invalid inbound email secret")


async def _raw_body(request: Request, limit: int) -> bytes:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != RFC822:
        raise BadRequest(f"The body must be one message, Content-Type: {RFC822}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"A message can be at most {limit} bytes")
    if not body.strip():
        raise BadRequest("The message is empty")
    return bytes(body)


async def get_mailroom(request: Request, db: DbDep, settings: SettingsDep) -> Mailroom:
    state = request.app.state
    return Mailroom(db=db, settings=settings, images=state.image_slots, hasher=state.hasher)


MailroomDep = Annotated[Mailroom, Depends(get_mailroom)]


def _answer(outcome: Outcome) -> InboundOut:
    return InboundOut(message=ACCEPTED, result=outcome.result, ticket_id=outcome.ticket_id)


@router.post(
    "/inbound/email/",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundOut,
    response_model_exclude_none=True,
    responses=responses(400, 401, 413),
    summary="Deliver one e-mail (raw RFC 822, Content-Type: message/rfc822), for a Postfix "
    "pipe or a provider's raw forwarding: Authorization: Bearer <INBOUND_EMAIL_SECRET>",
    openapi_extra={"requestBody": {"required": True, "content": RAW_MESSAGE}},
)
async def deliver_email(request: Request, room: MailroomDep) -> InboundOut:
    _check_secret(request, room.settings)
    raw = await _raw_body(request, max_message_bytes(room.settings))
    return _answer(await service.receive(room=room, raw=raw))


@router.get(
    "/support/tickets/{ticket_id}/emails/",
    response_model=EmailListOut,
    responses=responses(400, 401, 403, 404),
    summary="The e-mails that came in on this ticket (the assigned agent, admins)",
)
async def list_ticket_emails(permit: MayWork, db: DbDep) -> EmailListOut:
    emails = await service.emails_of_ticket(db=db, permit=permit)
    return EmailListOut(emails=[EmailOut.from_doc(e) for e in emails])


@router.get(
    "/support/emails/{email_id}/raw/",
    response_class=Response,
    responses={
        200: {"content": RAW_MESSAGE, "description": "The message as it came"},
        **responses(400, 401, 403, 404),
    },
    summary="One e-mail as it came (staff who may work on its ticket; no ticket: admins)",
)
async def raw_email(email_id: str, user: StaffUser, db: DbDep) -> Response:
    raw = await service.raw_email(db=db, user=user, email_id=email_id)
    return Response(
        raw,
        media_type=RFC822,
        headers={"Content-Disposition": f'attachment; filename="{email_id}.eml"'},
    )


@router.get(
    "/admin/mail/quarantine/",
    response_model=QuarantineOut,
    responses=responses(401, 403),
    summary="Mail held back: machine-written, flooding, unknown or not allowed senders (admins)",
)
async def list_quarantine(admin: AdminUser, db: DbDep) -> QuarantineOut:
    found = await service.quarantine(db=db)
    return QuarantineOut(messages=[QuarantinedOut.from_doc(m) for m in found])


@router.post(
    "/admin/mail/quarantine/{email_id}/release/",
    response_model=InboundOut,
    response_model_exclude_none=True,
    responses=responses(400, 401, 403, 404, 409),
    summary="Process a quarantined e-mail as if it had passed the checks (admins)",
)
async def release_email(email_id: str, admin: AdminUser, room: MailroomDep) -> InboundOut:
    return _answer(await service.release(room=room, email_id=email_id))
