"""Login, token pairs, single-use refresh tokens, logout, and the per-request caller load."""

from datetime import timedelta
from typing import Any

from bson import ObjectId

from app.auth import queries, throttling
from app.auth.principal import User
from app.auth.schemas import LoginIn, LoginUserOut, MeUserOut, TokenPairOut
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database, Document
from app.core.errors import NotAuthenticated, NotFound, PermissionDenied
from app.core.ids import to_object_id
from app.core.security import decode_token, encode_token, verify_password

INVALID_CREDENTIALS = "Invalid credentials"
TOO_MANY_LOGINS = "Too many failed login attempts. Try again later."
REFRESH_REVOKED = "Refresh token has been revoked"


async def load_current_user(*, db: Database, settings: Settings, token: str) -> User:
    """The caller of an authenticated request: one read by _id, so deactivation and approval
    take effect on the next request."""
    claims = decode_token(settings.jwt_key, token, "access")
    return await _active_user(db, claims)


async def _active_user(db: Database, claims: dict[str, Any]) -> User:
    """The token's subject, if it still exists and is active."""
    oid = to_object_id(str(claims["sub"]))
    doc = await queries.find_caller(db, oid) if oid else None
    if doc is None or not doc["is_active"]:
        raise NotAuthenticated("User not found or deactivated")
    return User.from_doc(doc)


async def read_own_account(*, db: Database, user: User) -> MeUserOut:
    doc = await queries.find_account(db, user.id)
    if doc is None:
        raise NotFound("User not found")
    return MeUserOut.from_doc(doc)


async def login(
    *, db: Database, settings: Settings, credentials: LoginIn, client_address: str
) -> TokenPairOut:
    email = credentials.email.lower()
    window = timedelta(minutes=settings.login_failure_window_minutes)
    key = f"login:{client_address}:{email}"
    failures = await throttling.ensure_not_throttled(
        db, key=key, limit=settings.login_max_failures, window=window, message=TOO_MANY_LOGINS
    )
    doc = await queries.find_by_email(db, email)
    stored_hash = doc["password_hash"] if doc else None
    matches, new_hash = await verify_password(credentials.password, stored_hash)
    if doc is None or not matches:
        await throttling.record_event(db, key=key, window=window)
        raise NotAuthenticated(INVALID_CREDENTIALS)
    if failures:
        await throttling.reset(db, key=key)
    if not doc["is_active"]:
        raise PermissionDenied("This account has been deactivated")
    if new_hash is not None:
        await db.users.update_one({"_id": doc["_id"]}, {"$set": {"password_hash": new_hash}})
    return await _issue_pair(db, settings, user=User.from_doc(doc), family=ObjectId())


async def refresh(*, db: Database, settings: Settings, refresh_token: str) -> TokenPairOut:
    """Each refresh token works once. A spent one presented again means it was copied:
    the whole login's chain is revoked, the thief's and the owner's tokens alike."""
    claims = decode_token(settings.jwt_key, refresh_token, "refresh")
    family = _family(claims)
    # Spending is one conditional update: of two concurrent uses, exactly one matches.
    spent = await db.refresh_tokens.update_one(
        {"_id": claims["jti"], "spent": False}, {"$set": {"spent": True, "spent_at": utcnow()}}
    )
    if spent.matched_count == 0:
        await _revoke_family(db, family)
        raise NotAuthenticated(REFRESH_REVOKED)
    return await _issue_pair(db, settings, user=await _active_user(db, claims), family=family)


async def logout(*, db: Database, settings: Settings, refresh_token: str) -> None:
    """Ends the login the refresh token belongs to (its whole chain)."""
    claims = decode_token(settings.jwt_key, refresh_token, "refresh")
    await _revoke_family(db, _family(claims))


def _family(claims: dict[str, Any]) -> ObjectId:
    family = to_object_id(str(claims.get("fam", "")))
    if family is None:
        raise NotAuthenticated("Invalid token")
    return family


async def _revoke_family(db: Database, family: ObjectId) -> None:
    await db.refresh_tokens.update_many({"family": family}, {"$set": {"spent": True}})


async def _issue_pair(
    db: Database, settings: Settings, *, user: User, family: ObjectId
) -> TokenPairOut:
    user_id = str(user.id)
    access_ttl = timedelta(minutes=settings.access_token_minutes)
    access = encode_token(
        settings.jwt_key,
        user_id=user_id,
        role=user.role,
        token_type="access",  # noqa: S106
        ttl=access_ttl,
    )
    refresh_token = encode_token(
        settings.jwt_key,
        user_id=user_id,
        role=user.role,
        token_type="refresh",  # noqa: S106
        ttl=timedelta(days=settings.refresh_token_days),
        extra={"fam": str(family)},
    )
    record: Document = {
        "_id": refresh_token.jti,
        "family": family,
        "user_id": user.id,
        "spent": False,
        "created_at": utcnow(),
        "expires_at": refresh_token.expires_at,
    }
    await db.refresh_tokens.insert_one(record)
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
