"""/api/admin/...: agent approval, user activation, the all-tickets view."""

from fastapi import APIRouter

from app.deps import DEFAULT_LIMIT, AdminUser, DbDep, PageCursor, PageLimit
from app.errors import responses
from app.models.accounts import AccountOut, AgentListOut, AgentOut, UserStatusOut
from app.models.common import MessageOut
from app.models.enums import Category, TicketStatus
from app.models.tickets import AdminTicketList, AdminTicketListItem
from app.services import accounts, tickets

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/approve-agent/{agent_id}/",
    response_model=MessageOut,
    responses=responses(401, 403, 404),
    summary="Approve a support agent (idempotent)",
)
async def approve_agent(agent_id: str, admin: AdminUser, db: DbDep) -> MessageOut:
    await accounts.approve_agent(db, agent_id=agent_id, admin=admin)
    return MessageOut(message="Agent approved successfully")


@router.get(
    "/agents/",
    response_model=AgentListOut,
    responses=responses(400, 401, 403),
    summary="Support agents, e.g. ?approved=false for those awaiting approval",
)
async def list_agents(
    admin: AdminUser,
    db: DbDep,
    approved: bool | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
    cursor: PageCursor = None,
) -> AgentListOut:
    page, next_cursor = await accounts.list_agents(
        db, approved=approved, limit=limit, cursor=cursor
    )
    return AgentListOut(agents=[AgentOut.from_doc(a) for a in page], next_cursor=next_cursor)


@router.post(
    "/users/{user_id}/deactivate/",
    response_model=UserStatusOut,
    responses=responses(400, 401, 403, 404),
    summary="Deactivate a user: their tokens stop working at once",
)
async def deactivate_user(user_id: str, admin: AdminUser, db: DbDep) -> UserStatusOut:
    user = await accounts.set_active(db, user_id=user_id, active=False, admin=admin)
    return UserStatusOut(message="User deactivated successfully", user=AccountOut.from_doc(user))


@router.post(
    "/users/{user_id}/activate/",
    response_model=UserStatusOut,
    responses=responses(401, 403, 404),
    summary="Activate a deactivated user",
)
async def activate_user(user_id: str, admin: AdminUser, db: DbDep) -> UserStatusOut:
    user = await accounts.set_active(db, user_id=user_id, active=True, admin=admin)
    return UserStatusOut(message="User activated successfully", user=AccountOut.from_doc(user))


@router.get(
    "/support/tickets/",
    response_model=AdminTicketList,
    responses=responses(400, 401, 403),
    summary="All tickets with customer and agent names, newest first",
)
async def all_tickets(
    admin: AdminUser,
    db: DbDep,
    status: TicketStatus | None = None,
    category: Category | None = None,
    agent_id: str | None = None,
    customer_id: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
    cursor: PageCursor = None,
) -> AdminTicketList:
    page, next_cursor = await tickets.list_all_for_admin(
        db,
        status=status,
        category=category,
        agent_id=agent_id,
        customer_id=customer_id,
        limit=limit,
        cursor=cursor,
    )
    return AdminTicketList(
        tickets=[AdminTicketListItem.from_doc(t) for t in page], next_cursor=next_cursor
    )
