"""Login, token pairs, single-use refresh tokens, logout, and the per-request caller load.

A login is a session (`sessions`, one document per login): its refresh tokens form a chain,
each usable once, and its access tokens carry its id (`sid`). Ending a session (logout, a
spent refresh token presented again, deactivation of its user) marks its document ended for
good, and every request reads that document by _id alongside its caller: the login's tokens
stop working at once, in every worker. A session's document is kept until its last access
token has expired (an ended one stays ended that long, whatever happens to other logins).
"""

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from app.auth import queries, throttling
from app.auth.principal import User
from app.auth.schemas import LoginIn, LoginUserOut, MeUserOut, TokenPairOut
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database, Document
from app.core.errors import NotAuthenticated, NotFound, PermissionDenied
from app.core.ids import to_object_id
from app.core.log import security_event
from app.core.security import PasswordHasher, decode_token, encode_token

INVALID_CREDENTIALS = "Invalid credentials"
TOO_MANY_LOGINS = "Too many failed login attempts. Try again later."
REFRESH_REVOKED = "Refresh token has been revoked"
SESSION_ENDED = "This login has ended; sign in again"


async def load_current_user(*, db: Database, settings: Settings, token: str) -> User:
    """The caller of an authenticated request: two reads by _id at once (the user, the
    login), so deactivation, approval and the end of the login take effect on the next
    request."""
    claims = decode_token(settings.jwt_key, token, "access")
    user, _ = await _signed_in(db, str(claims["sub"]), _session_of(claims))
    return user


async def load_user(*, db: Database, user_id: ObjectId, session: ObjectId) -> User:
    """A caller known by id and login (a spent stream token), checked as a token's is."""
    user, _ = await _signed_in(db, str(user_id), session)
    return user


async def still_signed_in(*, db: Database, user: User) -> bool:
    """Whether the caller of a long-lived response (the event stream) still would be let in."""
    try:
        await _signed_in(db, str(user.id), user.session)
    except (NotAuthenticated, PermissionDenied):
        return False
    return True


async def _signed_in(db: Database, user_id: str, session: ObjectId) -> tuple[User, Document | None]:
    """The user, if they still exist and are active, and their login's document, if the
    login has not ended. (Every login's document outlives its tokens: a signed token whose
    login has none was made without signing in, as the tests' are; only its expiry ends it.)"""
    oid = to_object_id(user_id)
    if oid is None:
        raise NotAuthenticated("User not found or deactivated")
    doc, login = await asyncio.gather(
        queries.find_caller(db, oid), queries.find_session(db, session)
    )
    if doc is None or not doc["is_active"]:
        raise NotAuthenticated("User not found or deactivated")
    if login is not None and login["revoked"]:
        raise NotAuthenticated(SESSION_ENDED)
    return User.from_doc(doc, session=session), login


async def read_own_account(*, db: Database, user: User) -> MeUserOut:
    doc = await queries.find_account(db, user.id)
    if doc is None:
        raise NotFound("User not found")
    return MeUserOut.from_doc(doc)


def _login_throttles(
    settings: Settings, *, email: str, client_address: str
) -> list[throttling.Throttle]:
    address = throttling.address_key(client_address)
    window = timedelta(minutes=settings.login_failure_window_minutes)
    return [
        throttling.Throttle(
            "login_pair", f"login:{address}:{email}", settings.login_max_failures, window
        ),
        throttling.Throttle(
            "login_address", f"login-address:{address}", settings.login_address_max_failures, window
        ),
        throttling.Throttle(
            "login_account",
            f"login-account:{email}",
            settings.login_account_max_failures,
            timedelta(minutes=settings.login_account_window_minutes),
        ),
    ]


async def login(
    *,
    db: Database,
    settings: Settings,
    hasher: PasswordHasher,
    credentials: LoginIn,
    client_address: str,
) -> TokenPairOut:
    email = credentials.email.lower()
    throttles = _login_throttles(settings, email=email, client_address=client_address)
    attempt = await throttling.record_attempt(db, throttles, message=TOO_MANY_LOGINS)
    doc = await queries.find_by_email(db, email)
    matches, new_hash = await hasher.verify(
        credentials.password, doc["password_hash"] if doc else None
    )
    if doc is None or not matches:
        raise NotAuthenticated(
            INVALID_CREDENTIALS, code="invalid_credentials"
        )  # the attempt stays counted
    await throttling.forget(db, attempt, reset=throttles[0].key)
    if not doc["is_active"]:
        security_event("login_deactivated", level=logging.WARNING, target_id=str(doc["_id"]))
        raise PermissionDenied("This account has been deactivated")
    if new_hash is not None:
        await queries.set_password_hash(db, doc["_id"], new_hash)
    return await start_session(db=db, settings=settings, doc=doc)


async def start_session(
    *, db: Database, settings: Settings, doc: Mapping[str, Any]
) -> TokenPairOut:
    """A new login of the user `doc` (checked by the caller): its session and first pair."""
    user = User.from_doc(doc, session=ObjectId())
    now = utcnow()
    await queries.insert_session(
        db,
        {
            "_id": user.session,
            "user_id": user.id,
            "revoked": False,
            "created_at": now,
            # Kept until the last access token a refresh can give has expired: whatever
            # happens to the login meanwhile is remembered as long as any of its tokens lives.
            "expires_at": now + refresh_lifetime(settings) + _access_ttl(settings),
        },
    )
    return await _issue_pair(db, settings, user=user)


async def refresh(*, db: Database, settings: Settings, refresh_token: str) -> TokenPairOut:
    """Each refresh token works once. A spent one presented again means it was copied: the
    whole login is ended, the thief's and the owner's tokens alike, whatever was issued
    concurrently (every refresh checks the session after spending its token)."""
    claims = decode_token(settings.jwt_key, refresh_token, "refresh")
    session = _session_of(claims)
    if not await queries.spend_refresh_token(db, claims["jti"], utcnow()):
        security_event(
            "refresh_token_reuse",
            level=logging.WARNING,
            session=str(session),
            target_id=str(claims["sub"]),
        )
        await _end_session(db, settings, session, user_id=claims["sub"])
        raise NotAuthenticated(REFRESH_REVOKED)
    user, login = await _signed_in(db, str(claims["sub"]), session)
    if login is None or login["created_at"] + refresh_lifetime(settings) <= utcnow():
        raise NotAuthenticated(REFRESH_REVOKED)
    return await _issue_pair(db, settings, user=user)


async def logout(*, db: Database, settings: Settings, refresh_token: str) -> None:
    """Ends the login the refresh token belongs to: its refresh chain and its access tokens.
    A login that has ended already is left as it is (the answer is the same)."""
    claims = decode_token(settings.jwt_key, refresh_token, "refresh")
    await _end_session(db, settings, _session_of(claims), user_id=claims["sub"])


async def end_sessions_of(*, db: Database, user_id: ObjectId, txn: AsyncClientSession) -> None:
    """Deactivation: every login of the user ends, so reactivation revives none of them."""
    await queries.end_sessions_of(db, user_id, at=utcnow(), txn=txn)


def _session_of(claims: dict[str, Any]) -> ObjectId:
    session = to_object_id(str(claims.get("sid", "")))
    if session is None:
        raise NotAuthenticated("Invalid token")
    return session


def _access_ttl(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.access_token_minutes)


def refresh_lifetime(settings: Settings) -> timedelta:
    """How long after sign-in a login's refresh tokens work."""
    return timedelta(days=settings.refresh_token_days)


async def _end_session(
    db: Database, settings: Settings, session: ObjectId, *, user_id: str
) -> None:
    now = utcnow()
    await queries.end_session(
        db,
        session,
        user_id=to_object_id(user_id),
        at=now,
        keep_until=now + _access_ttl(settings),
    )


async def _issue_pair(db: Database, settings: Settings, *, user: User) -> TokenPairOut:
    user_id = str(user.id)
    access_ttl = _access_ttl(settings)
    access = encode_token(
        settings.jwt_key,
        user_id=user_id,
        role=user.role,
        token_type="access",  # noqa: S106
        ttl=access_ttl,
        session=str(user.session),
    )
    refresh_token = encode_token(
        settings.jwt_key,
        user_id=user_id,
        role=user.role,
        token_type="refresh",  # noqa: S106
        ttl=refresh_lifetime(settings),
        session=str(user.session),
    )
    await queries.insert_refresh_token(
        db,
        {
            "_id": refresh_token.jti,
            "session": user.session,
            "user_id": user.id,
            "spent": False,
            "created_at": utcnow(),
            "expires_at": refresh_token.expires_at,
        },
    )
    return TokenPairOut(
        access_token=access.token,
        refresh_token=refresh_token.token,
        expires_in=int(access_ttl.total_seconds()),
        user=LoginUserOut(
            id=user_id,
            email=user.email,
            name=user.name,
            role=user.role,
            is_approved=user.is_approved,
        ),
    )
