"""Support agents: sign-up (/api/support/register-agent/) and their queue (/api/agent/...)."""

from typing import Literal

from fastapi import APIRouter, status

from app.deps import (
    DEFAULT_LIMIT,
    ApprovedAgent,
    ClientAddress,
    DbDep,
    PageCursor,
    PageLimit,
    SettingsDep,
)
from app.errors import responses
from app.models.accounts import RegisteredOut, RegisterIn, UserOut
from app.models.enums import Role, TicketStatus
from app.models.tickets import AgentTicketList, AgentTicketListItem
from app.services import accounts, tickets

router = APIRouter(tags=["agents"])


@router.post(
    "/support/register-agent/",
    status_code=status.HTTP_201_CREATED,
    response_model=RegisteredOut,
    responses=responses(400, 429),
    summary="Support agent sign-up (public); an admin approves before agent features work",
)
async def register_agent(
    data: RegisterIn, db: DbDep, settings: SettingsDep, client: ClientAddress
) -> RegisteredOut:
    user = await accounts.register(db, settings, data=data, role=Role.AGENT, client_address=client)
    return RegisteredOut(
        message="Registration successful. Waiting for admin approval.", user=UserOut.from_doc(user)
    )


@router.get(
    "/agent/tickets/",
    response_model=AgentTicketList,
    responses=responses(400, 401, 403),
    summary="The caller's tickets plus the unassigned queue, newest first (approved agents)",
)
async def agent_tickets(
    agent: ApprovedAgent,
    db: DbDep,
    status: TicketStatus | None = None,
    assigned: Literal["me", "unassigned"] | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
    cursor: PageCursor = None,
) -> AgentTicketList:
    page, next_cursor = await tickets.list_queue_for_agent(
        db, agent=agent, status=status, assigned=assigned, limit=limit, cursor=cursor
    )
    return AgentTicketList(
        tickets=[AgentTicketListItem.from_doc(t) for t in page], next_cursor=next_cursor
    )
