"""/api/auth/...: login, token refresh, logout, the caller's own account. (Sign-up is in
the accounts package.)"""

from fastapi import APIRouter

from app.auth import service
from app.auth.deps import CurrentUser
from app.auth.schemas import LoginIn, MeOut, RefreshIn, TokenPairOut
from app.core.deps import ClientAddress, DbDep, HasherDep, SettingsDep
from app.core.errors import responses
from app.core.schemas import MessageOut

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/login/",
    response_model=TokenPairOut,
    responses=responses(400, 401, 403, 413, 429, 503),
    summary="Exchange email and password for an access and a refresh token (public)",
)
async def login(
    data: LoginIn, db: DbDep, settings: SettingsDep, hasher: HasherDep, client: ClientAddress
) -> TokenPairOut:
    return await service.login(
        db=db, settings=settings, hasher=hasher, credentials=data, client_address=client
    )


@router.post(
    "/refresh/",
    response_model=TokenPairOut,
    responses=responses(400, 401, 413),
    summary="Trade a refresh token (single use) for a new pair (public)",
)
async def refresh(data: RefreshIn, db: DbDep, settings: SettingsDep) -> TokenPairOut:
    return await service.refresh(db=db, settings=settings, refresh_token=data.refresh_token)


@router.post(
    "/logout/",
    response_model=MessageOut,
    responses=responses(400, 401, 413),
    summary="Revoke the refresh token's login (public: the token is the credential)",
)
async def logout(data: RefreshIn, db: DbDep, settings: SettingsDep) -> MessageOut:
    await service.logout(db=db, settings=settings, refresh_token=data.refresh_token)
    return MessageOut(message="Logged out successfully")


@router.get(
    "/me/",
    response_model=MeOut,
    responses=responses(401, 403),
    summary="The caller's own account (any signed-in user)",
)
async def read_me(user: CurrentUser, db: DbDep) -> MeOut:
    return MeOut(user=await service.read_own_account(db=db, user=user))
