"""/api/auth/...: sign-up, login, token refresh, logout, the caller's profile."""

from fastapi import APIRouter, status

from app.deps import ClientAddress, CurrentUser, DbDep, SettingsDep
from app.errors import responses
from app.models.accounts import (
    LoginIn,
    MeOut,
    MeUserOut,
    RefreshIn,
    RegisteredOut,
    RegisterIn,
    TokenPairOut,
    UserOut,
)
from app.models.common import MessageOut
from app.models.enums import Role
from app.services import accounts, auth

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register/",
    status_code=status.HTTP_201_CREATED,
    response_model=RegisteredOut,
    responses=responses(400, 429),
    summary="Customer sign-up (public)",
)
async def register_customer(
    data: RegisterIn, db: DbDep, settings: SettingsDep, client: ClientAddress
) -> RegisteredOut:
    user = await accounts.register(
        db, settings, data=data, role=Role.CUSTOMER, client_address=client
    )
    return RegisteredOut(message="Registration successful", user=UserOut.from_doc(user))


@router.post(
    "/login/",
    response_model=TokenPairOut,
    responses=responses(400, 401, 403, 429),
    summary="Exchange email and password for an access and a refresh token",
)
async def login(
    data: LoginIn, db: DbDep, settings: SettingsDep, client: ClientAddress
) -> TokenPairOut:
    return await auth.login(db, settings, credentials=data, client_address=client)


@router.post(
    "/refresh/",
    response_model=TokenPairOut,
    responses=responses(400, 401),
    summary="Trade a refresh token (single use) for a new pair",
)
async def refresh(data: RefreshIn, db: DbDep, settings: SettingsDep) -> TokenPairOut:
    return await auth.refresh(db, settings, refresh_token=data.refresh_token)


@router.post(
    "/logout/",
    response_model=MessageOut,
    responses=responses(400, 401),
    summary="Revoke the refresh token's login",
)
async def logout(data: RefreshIn, db: DbDep, settings: SettingsDep) -> MessageOut:
    await auth.logout(db, settings, refresh_token=data.refresh_token)
    return MessageOut(message="Logged out successfully")


@router.get(
    "/me/", response_model=MeOut, responses=responses(401), summary="The caller's own account"
)
async def me(user: CurrentUser, db: DbDep) -> MeOut:
    return MeOut(user=MeUserOut.from_doc(await accounts.get_user_doc(db, user_id=user.id)))
