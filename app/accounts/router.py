"""Accounts: customer and agent sign-up (public), agent approval, the agent list and user
activation (admins)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, status

from app.accounts import service
from app.accounts.schemas import AgentListOut, AgentOut, RegisteredOut, RegisterIn, UserStatusOut
from app.auth.deps import AdminUser
from app.auth.documents import Role
from app.auth.schemas import UserOut
from app.core.deps import (
    DEFAULT_LIMIT,
    ClientAddress,
    DbDep,
    HasherDep,
    PageCursor,
    PageLimit,
    SettingsDep,
)
from app.core.errors import responses
from app.core.schemas import MessageOut

router = APIRouter(tags=["accounts"])


@dataclass
class SignUp:
    """What a public sign-up needs (FastAPI resolves the fields as dependencies)."""

    db: DbDep
    settings: SettingsDep
    hasher: HasherDep
    client: ClientAddress

    async def register(self, data: RegisterIn, role: Role) -> UserOut:
        user = await service.register(
            db=self.db,
            settings=self.settings,
            hasher=self.hasher,
            data=data,
            role=role,
            client_address=self.client,
        )
        return UserOut.from_doc(user)


SignUpDep = Annotated[SignUp, Depends()]


@router.post(
    "/auth/register/",
    status_code=status.HTTP_201_CREATED,
    response_model=RegisteredOut,
    responses=responses(400, 413, 429, 503),
    summary="Customer sign-up (public)",
)
async def register_customer(data: RegisterIn, sign_up: SignUpDep) -> RegisteredOut:
    user = await sign_up.register(data, Role.CUSTOMER)
    return RegisteredOut(message="Registration successful", user=user)


@router.post(
    "/support/register-agent/",
    status_code=status.HTTP_201_CREATED,
    response_model=RegisteredOut,
    responses=responses(400, 413, 429, 503),
    summary="Support agent sign-up (public); an admin approves before agent features work",
)
async def register_agent(data: RegisterIn, sign_up: SignUpDep) -> RegisteredOut:
    user = await sign_up.register(data, Role.AGENT)
    return RegisteredOut(message="Registration successful. Waiting for admin approval.", user=user)


@router.post(
    "/admin/approve-agent/{agent_id}/",
    response_model=MessageOut,
    responses=responses(401, 403, 404),
    summary="Approve a support agent, idempotent (admins)",
)
async def approve_agent(agent_id: str, admin: AdminUser, db: DbDep) -> MessageOut:
    await service.approve_agent(db=db, agent_id=agent_id, admin=admin)
    return MessageOut(message="Agent approved successfully")


@router.get(
    "/admin/agents/",
    response_model=AgentListOut,
    responses=responses(400, 401, 403),
    summary="Support agents, e.g. ?approved=false for those awaiting approval (admins)",
)
async def list_agents(
    admin: AdminUser,
    db: DbDep,
    approved: bool | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
    cursor: PageCursor = None,
) -> AgentListOut:
    page, next_cursor = await service.list_agents(
        db=db, admin=admin, approved=approved, limit=limit, cursor=cursor
    )
    return AgentListOut(agents=[AgentOut.from_doc(a) for a in page], next_cursor=next_cursor)


@router.post(
    "/admin/users/{user_id}/deactivate/",
    response_model=UserStatusOut,
    responses=responses(400, 401, 403, 404),
    summary="Deactivate a user: their tokens stop working at once, and an agent's unfinished "
    "tickets go back to the queue (admins)",
)
async def deactivate_user(user_id: str, admin: AdminUser, db: DbDep) -> UserStatusOut:
    return await service.set_active(db=db, user_id=user_id, active=False, admin=admin)


@router.post(
    "/admin/users/{user_id}/activate/",
    response_model=UserStatusOut,
    responses=responses(401, 403, 404),
    summary="Activate a deactivated user (admins)",
)
async def activate_user(user_id: str, admin: AdminUser, db: DbDep) -> UserStatusOut:
    return await service.set_active(db=db, user_id=user_id, active=True, admin=admin)
