"""The caller (`CurrentUser`) and the role guards chained on it."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import policy, service
from app.auth.principal import User
from app.core.deps import DbDep, SettingsDep
from app.core.errors import NotAuthenticated
from app.core.log import set_request_caller

_bearer = HTTPBearer(auto_error=False, description="The access_token from POST /api/auth/login/")


async def get_current_user(
    db: DbDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise NotAuthenticated()
    user = await service.load_current_user(db=db, settings=settings, token=credentials.credentials)
    set_request_caller(str(user.id))  # the access log and security events name the caller
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def require_customer(user: CurrentUser) -> User:
    policy.ensure_customer(user)
    return user


async def require_approved_agent(user: CurrentUser) -> User:
    policy.ensure_approved_agent(user)
    return user


async def require_admin(user: CurrentUser) -> User:
    policy.ensure_admin(user)
    return user


async def require_staff(user: CurrentUser) -> User:
    policy.ensure_staff(user)
    return user


CustomerUser = Annotated[User, Depends(require_customer)]
ApprovedAgent = Annotated[User, Depends(require_approved_agent)]
AdminUser = Annotated[User, Depends(require_admin)]
StaffUser = Annotated[User, Depends(require_staff)]
