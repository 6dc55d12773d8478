"""Login, token pairs, single-use refresh tokens, logout, and the per-request caller load.

A login is a session (`sessions`, one document per login): its refresh tokens form a chain,
each usable once, and its access tokens carry its id (`sid`). Ending a session (logout, or a
spent refresh token presented again) marks it revoked, which every later refresh checks, and
records its id on the user document, which every request already loads: its access tokens
stop working at once without a further database round trip.
"""

import asyncio
import logging
from datetime import timedelta
from typing import Any

from bson import ObjectId

from app.auth import queries, throttling
from app.auth.principal import User
from app.auth.schemas import LoginIn, LoginUserOut, MeUserOut, TokenPairOut
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import NotAuthenticated, NotFound, PermissionDenied
from app.core.ids import to_object_id
from app.core.log import security_event
from app.core.security import PasswordHasher, decode_token, encode_token

INVALID_CREDENTIALS = "Invalid credentials"
TOO_MANY_LOGINS = "Too many failed login attempts. Try again later."
REFRESH_REVOKED = "Refresh token has been revoked"
SESSION_ENDED = "This login has ended; sign in again"
# Ended sessions remembered on the user document; older ones' access tokens have expired
# unless a user ends more than this many logins within one access-token lifetime.
REMEMBERED_ENDED_SESSIONS = 50


async def load_current_user(*, db: Database, settings: Settings, token: str) -> User:
    """The caller of an authenticated request: one read by _id, so deactivation, approval and
    the end of the token's login take effect on the next request."""
    claims = decode_token(settings.jwt_key, token, "access")
    return await _active_user(db, claims)


async def _active_user(db: Database, claims: dict[str, Any]) -> User:
    """The token's subject, if it still exists, is active, and its login has not ended."""
    oid = to_object_id(str(claims["sub"]))
    doc = await queries.find_caller(db, oid) if oid else None
    if doc is None or not doc["is_active"]:
        raise NotAuthenticated("User not found or deactivated")
    if any(ended["sid"] == claims.get("sid") for ended in doc.get("ended_sessions", [])):
        raise NotAuthenticated(SESSION_ENDED)
    return User.from_doc(doc)


async def load_user(*, db: Database, user_id: ObjectId) -> User:
    """A caller known by id (a spent stream token), if it still exists and is active."""
    doc = await queries.find_caller(db, user_id)
    if doc is None or not doc["is_active"]:
        raise NotAuthenticated("User not found or deactivated")
    return User.from_doc(doc)


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
        await db.users.update_one({"_id": doc["_id"]}, {"$set": {"password_hash": new_hash}})
    user = User.from_doc(doc)
    session = ObjectId()
    await db.sessions.insert_one(
        {
            "_id": session,
            "user_id": user.id,
            "revoked": False,
            "created_at": utcnow(),
            "expires_at": utcnow() + timedelta(days=settings.refresh_token_days),
        }
    )
    return await _issue_pair(db, settings, user=user, session=session)


async def refresh(*, db: Database, settings: Settings, refresh_token: str) -> TokenPairOut:
    """Each refresh token works once. A spent one presented again means it was copied: the
    whole login is ended, the thief's and the owner's tokens alike, whatever was issued
    concurrently (every refresh checks the session after spending its token)."""
    claims = decode_token(settings.jwt_key, refresh_token, "refresh")
    session = _session_of(claims)
    # Spending is one conditional update: of two concurrent uses, exactly one matches.
    spent = await db.refresh_tokens.update_one(
        {"_id": claims["jti"], "spent": False}, {"$set": {"spent": True, "spent_at": utcnow()}}
    )
    if spent.matched_count == 0:
        security_event(
            "refresh_token_reuse",
            level=logging.WARNING,
            session=str(session),
            target_id=str(claims["sub"]),
        )
        await _end_session(db, session, user_id=claims["sub"])
        raise NotAuthenticated(REFRESH_REVOKED)
    # By _id alone: SecantusDB plans {_id, revoked} as a collection scan.
    record, user = await asyncio.gather(
        db.sessions.find_one({"_id": session}, {"revoked": 1}), _active_user(db, claims)
    )
    if record is None or record["revoked"]:
        raise NotAuthenticated(REFRESH_REVOKED)
    return await _issue_pair(db, settings, user=user, session=session)


async def logout(*, db: Database, settings: Settings, refresh_token: str) -> None:
    """Ends the login the refresh token belongs to: its refresh chain and its access tokens."""
    claims = decode_token(settings.jwt_key, refresh_token, "refresh")
    await _end_session(db, _session_of(claims), user_id=claims["sub"])


def _session_of(claims: dict[str, Any]) -> ObjectId:
    session = to_object_id(str(claims.get("sid", "")))
    if session is None:
        raise NotAuthenticated("Invalid token")
    return session


async def _end_session(db: Database, session: ObjectId, *, user_id: str) -> None:
    ended = {"sid": str(session), "at": utcnow()}
    await asyncio.gather(
        db.sessions.update_one({"_id": session}, {"$set": {"revoked": True}}),
        db.users.update_one(
            {"_id": to_object_id(user_id)},
            {"$push": {"ended_sessions": {"$each": [ended], "$slice": -REMEMBERED_ENDED_SESSIONS}}},
        ),
    )


async def _issue_pair(
    db: Database, settings: Settings, *, user: User, session: ObjectId
) -> TokenPairOut:
    user_id = str(user.id)
    access_ttl = timedelta(minutes=settings.access_token_minutes)
    access = encode_token(
        settings.jwt_key,
        user_id=user_id,
        role=user.role,
        token_type="access",  # noqa: S106
        ttl=access_ttl,
        session=str(session),
    )
    refresh_token = encode_token(
        settings.jwt_key,
        user_id=user_id,
        role=user.role,
        token_type="refresh",  # noqa: S106
        ttl=timedelta(days=settings.refresh_token_days),
        session=str(session),
    )
    await db.refresh_tokens.insert_one(
        {
            "_id": refresh_token.jti,
            "session": session,
            "user_id": user.id,
            "spent": False,
            "created_at": utcnow(),
            "expires_at": refresh_token.expires_at,
        }
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
