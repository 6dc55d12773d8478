"""E-mail: /api/me/notifications/ (every user), /api/mail/unsubscribe/{token}/ (the link in
each notification, no login) and /api/admin/mail/outbox/ (admins)."""

from html import escape
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse

from app.auth import magic_link
from app.auth.deps import AdminUser, CurrentUser
from app.auth.schemas import MagicLinkIn
from app.core.deps import DEFAULT_LIMIT, ClientAddress, DbDep, PageLimit, SettingsDep
from app.core.errors import NotFound, responses
from app.core.schemas import MessageOut
from app.mail import service
from app.mail.schemas import (
    NotificationsIn,
    NotificationsOut,
    OutboxMessageOut,
    OutboxOut,
    UnsubscribedOut,
)
from app.mail.sign_in import queue_sign_in_link

router = APIRouter(tags=["mail"])
KIND_NAMES = {
    "ticket_created": "the acknowledgement of a new ticket",
    "staff_reply": "replies from support",
    "ticket_resolved": "a ticket resolved",
    "ticket_assigned": "tickets assigned to you",
    "customer_reply": "customers' replies on your tickets",
    "sla_breach": "SLA breaches on your tickets",
    "agent_waiting": "agents waiting for approval",
    "sign_in_link": "sign-in links you asked for",
}
PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
</head><body><main><h1>{title}</h1><p>{text}</p>{form}</main></body></html>"""


def _page(title: str, text: str, form: str = "", status_code: int = 200) -> HTMLResponse:
    page = PAGE.format(title=escape(title), text=escape(text), form=form)
    return HTMLResponse(page, status_code=status_code)


@router.get(
    "/me/notifications/",
    response_model=NotificationsOut,
    responses=responses(401),
    summary="The caller's e-mail notifications, by kind (every user)",
)
async def get_notifications(user: CurrentUser, db: DbDep) -> NotificationsOut:
    return NotificationsOut(email=await service.notification_settings(db=db, user=user))


@router.put(
    "/me/notifications/",
    response_model=NotificationsOut,
    responses=responses(400, 401, 413),
    summary="Turn kinds of e-mail on or off (every user; a kind not of the role: 400)",
)
async def put_notifications(
    data: NotificationsIn, user: CurrentUser, db: DbDep
) -> NotificationsOut:
    changed = await service.change_notifications(db=db, user=user, changes=data.email)
    return NotificationsOut(email=changed)


@router.get(
    "/mail/unsubscribe/{token}/",
    response_class=HTMLResponse,
    responses={
        **responses(),  # 503: the request limits are counted in the database
        404: {"description": "Not one of our links (a page saying so)"},
    },
    summary="The unsubscribe link's page: a button that turns the kind off (changes nothing)",
)
async def unsubscribe_page(token: str, settings: SettingsDep) -> HTMLResponse:
    # Mail scanners follow links: only the POST below changes anything. A person reads this
    # page, so a link that is not ours gets a page too.
    try:
        _, kind = service.unsubscribe_target(settings=settings, token=token)
    except NotFound as refused:
        return _page("Stop these e-mails", refused.message, status_code=404)
    form = '<form method="post"><button type="submit">Stop these e-mails</button></form>'
    return _page("Stop these e-mails", f"No more e-mail about {KIND_NAMES[kind]}?", form)


@router.post(
    "/mail/unsubscribe/{token}/",
    response_model=UnsubscribedOut,
    responses=responses(404),
    summary="Turn one kind of e-mail off (RFC 8058 one-click; the link's token, no login)",
)
async def unsubscribe(
    token: str, request: Request, db: DbDep, settings: SettingsDep
) -> JSONResponse | HTMLResponse:
    kind = await service.unsubscribe(db=db, settings=settings, token=token)
    text = f"You will get no more e-mail about {KIND_NAMES[kind]}."
    if "text/html" in request.headers.get("accept", ""):  # the page's button, in a browser
        return _page("Unsubscribed", text)
    return JSONResponse(UnsubscribedOut(message=text, kind=kind.value).model_dump())


@router.get(
    "/admin/mail/outbox/",
    response_model=OutboxOut,
    responses=responses(400, 401, 403),
    summary="Messages in the outbox, newest first (admins)",
)
async def list_outbox(
    admin: AdminUser,
    db: DbDep,
    status: Annotated[Literal["queued", "sent", "failed"] | None, Query()] = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> OutboxOut:
    found = await service.outbox(db=db, status=status, limit=limit)
    return OutboxOut(messages=[OutboxMessageOut.from_doc(m) for m in found])


@router.post(
    "/auth/magic-link/",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageOut,
    responses=responses(400, 413, 429),
    summary="Mail a sign-in link to a registered address (public)",
    description="Anyone may call it; throttled like login (per address and per email). The "
    "answer is the same whether or not the address is registered, and so is the work done "
    "before it; the mail (a link to the console's sign-in page, single use, 15 minutes) is "
    "queued after the answer, for an active account only.",
    tags=["auth"],
)
async def ask_for_sign_in_link(
    data: MagicLinkIn,
    db: DbDep,
    settings: SettingsDep,
    client: ClientAddress,
    background: BackgroundTasks,
) -> MessageOut:
    issued = await magic_link.issue(
        db=db, settings=settings, email=data.email, client_address=client
    )
    background.add_task(queue_sign_in_link, db, settings, issued)
    return MessageOut(message=magic_link.LINK_SENT)
