"""Dependencies: the database, settings, the caller, role guards and the ticket loader.

All are `async def`, even those that never await: FastAPI runs a plain `def` dependency in
its thread pool, a thread hop per dependency per request for nothing.

Guards chain on `CurrentUser`; the ticket permission dependencies chain on `CurrentTicket`,
which 404s once. The rules themselves live in the services (see services/tickets.py).
"""

from ipaddress import ip_address
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.config import Settings
from app.db import Database, Document
from app.errors import NotAuthenticated, PermissionDenied
from app.models.accounts import User
from app.models.enums import Role
from app.services import auth, tickets
from app.services.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]

_bearer = HTTPBearer(auto_error=False, description="The access_token from POST /api/auth/login/")


async def get_current_user(
    db: DbDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise NotAuthenticated()
    return await auth.load_current_user(db, settings, token=credentials.credentials)


CurrentUser = Annotated[User, Depends(get_current_user)]

AWAITING_APPROVAL = "Your agent account is awaiting admin approval"


async def require_customer(user: CurrentUser) -> User:
    if user.role != Role.CUSTOMER:
        raise PermissionDenied("Only customers can do this")
    return user


async def require_approved_agent(user: CurrentUser) -> User:
    if user.role != Role.AGENT:
        raise PermissionDenied("Only support agents can do this")
    if not user.is_approved:
        raise PermissionDenied(AWAITING_APPROVAL)
    return user


async def require_admin(user: CurrentUser) -> User:
    if user.role != Role.ADMIN:
        raise PermissionDenied("Only admins can do this")
    return user


async def require_staff(user: CurrentUser) -> User:
    """An approved support agent or an admin."""
    if user.role == Role.ADMIN:
        return user
    return await require_approved_agent(user)


async def require_signed_in_staff_or_customer(user: CurrentUser) -> User:
    """Ticket detail: customers, approved agents and admins (an unapproved agent is told why)."""
    if user.role == Role.AGENT:
        return await require_approved_agent(user)
    return user


CustomerUser = Annotated[User, Depends(require_customer)]
ApprovedAgent = Annotated[User, Depends(require_approved_agent)]
AdminUser = Annotated[User, Depends(require_admin)]
StaffUser = Annotated[User, Depends(require_staff)]
TicketReader = Annotated[User, Depends(require_signed_in_staff_or_customer)]


async def get_ticket(db: DbDep, ticket_id: str) -> Document:
    return await tickets.get_ticket(db, ticket_id=ticket_id)


CurrentTicket = Annotated[Document, Depends(get_ticket)]


async def get_viewable_ticket(user: TicketReader, ticket: CurrentTicket) -> Document:
    tickets.ensure_can_view(ticket, user)
    return ticket


async def get_workable_ticket(user: StaffUser, ticket: CurrentTicket) -> Document:
    tickets.ensure_can_work_on(ticket, user)
    return ticket


async def get_own_ticket(user: CustomerUser, ticket: CurrentTicket) -> Document:
    tickets.ensure_owned_by(ticket, user)
    return ticket


ViewableTicket = Annotated[Document, Depends(get_viewable_ticket)]
WorkableTicket = Annotated[Document, Depends(get_workable_ticket)]
OwnTicket = Annotated[Document, Depends(get_own_ticket)]


async def get_client_address(request: Request, settings: SettingsDep) -> str:
    """The client's address for throttling. X-Forwarded-For is believed only when the peer
    is a trusted proxy, and then read from the right, skipping our own proxies."""
    peer = request.client.host if request.client else "unknown"
    forwarded = request.headers.get("x-forwarded-for")
    if not forwarded or not _is_trusted(peer, settings):
        return peer
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _is_trusted(hop, settings):
            return hop
    return peer


def _is_trusted(address: str, settings: Settings) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in settings.trusted_proxies)


ClientAddress = Annotated[str, Depends(get_client_address)]


PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")]
PageCursor = Annotated[
    str | None, Query(max_length=512, description="next_cursor of the previous page")
]
DEFAULT_LIMIT = DEFAULT_PAGE_SIZE
