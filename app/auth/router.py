"""/api/auth/...: login, token refresh, logout, the caller's own account. (Sign-up is in
the accounts package.)"""

from fastapi import APIRouter

from app.auth import magic_link, service
from app.auth.cookie_session import (
    COOKIE_MODE,
    SETS_COOKIE,
    USES_COOKIE,
    CookieSessionDep,
    RefreshCookie,
)
from app.auth.deps import CurrentUser
from app.auth.schemas import (
    LoginIn,
    LogoutIn,
    MagicLinkVerifyIn,
    MeOut,
    RefreshIn,
    TokenPairOut,
)
from app.core.deps import ClientAddress, DbDep, HasherDep, SettingsDep
from app.core.errors import responses
from app.core.schemas import MessageOut

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/login/",
    response_model=TokenPairOut,
    responses=responses(400, 401, 403, 413, 429, 503) | SETS_COOKIE,
    summary="Exchange email and password for an access and a refresh token (public)",
    description="Exchange email and password for an access and a refresh token (public)."
    + COOKIE_MODE,
)
async def login(
    data: LoginIn,
    db: DbDep,
    settings: SettingsDep,
    hasher: HasherDep,
    client: ClientAddress,
    browser: CookieSessionDep,
) -> TokenPairOut:
    in_cookie = browser.wants_cookie(data.session)
    pair = await service.login(
        db=db, settings=settings, hasher=hasher, credentials=data, client_address=client
    )
    return browser.answer(pair, in_cookie=in_cookie)


@router.post(
    "/magic-link/verify/",
    response_model=TokenPairOut,
    responses=responses(400, 401, 403, 413, 429) | SETS_COOKIE,
    summary="Exchange a sign-in link's token for the answer of a login (public)",
    description="Exchange a sign-in link's token (from POST /api/auth/magic-link/'s mail) for "
    "the answer of a login. Each link works once (a second use is 401) for 15 minutes. A "
    "deactivated account or an agent awaiting approval gets no session (403)." + COOKIE_MODE,
)
async def verify_sign_in_link(
    data: MagicLinkVerifyIn, db: DbDep, settings: SettingsDep, browser: CookieSessionDep
) -> TokenPairOut:
    in_cookie = browser.wants_cookie(data.session)
    pair = await magic_link.verify(db=db, settings=settings, token=data.token)
    return browser.answer(pair, in_cookie=in_cookie)


@router.post(
    "/refresh/",
    response_model=TokenPairOut,
    responses=responses(400, 401, 403, 413) | SETS_COOKIE,
    summary="Trade a refresh token (single use) for a new pair (public)",
    description="Trade a refresh token (single use) for a new pair (public)."
    + USES_COOKIE
    + ", and the answer sets its successor: a refresh from the cookie stays in cookie mode."
    + COOKIE_MODE,
)
async def refresh(
    data: RefreshIn,
    db: DbDep,
    settings: SettingsDep,
    browser: CookieSessionDep,
    cookie: RefreshCookie = None,
) -> TokenPairOut:
    token, from_cookie = browser.refresh_token(data.refresh_token, cookie)
    in_cookie = from_cookie or browser.wants_cookie(data.session)
    pair = await service.refresh(db=db, settings=settings, refresh_token=token)
    return browser.answer(pair, in_cookie=in_cookie)


@router.post(
    "/logout/",
    response_model=MessageOut,
    responses=responses(400, 401, 403, 413),
    summary="Revoke the refresh token's login (public: the token is the credential)",
    description="Revoke the refresh token's login (public: the token is the credential)."
    + USES_COOKIE
    + ", and the answer clears it (an expired Set-Cookie).",
)
async def logout(
    data: LogoutIn,
    db: DbDep,
    settings: SettingsDep,
    browser: CookieSessionDep,
    cookie: RefreshCookie = None,
) -> MessageOut:
    token, from_cookie = browser.refresh_token(data.refresh_token, cookie)
    await service.logout(db=db, settings=settings, refresh_token=token)
    if from_cookie:
        browser.forget()
    return MessageOut(message="Logged out successfully")


@router.get(
    "/me/",
    response_model=MeOut,
    responses=responses(401, 403),
    summary="The caller's own account (any signed-in user)",
)
async def read_me(user: CurrentUser, db: DbDep) -> MeOut:
    return MeOut(user=await service.read_own_account(db=db, user=user))
