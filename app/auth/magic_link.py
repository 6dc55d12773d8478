"""Sign-in by e-mail link: a random token (256 bits) kept only as its SHA-256, single use,
for MAGIC_LINK_MINUTES; exchanged for the answer of a login.

Asking for a link answers the same for every address, and does the same work for every
address before answering: the throttles, the user read, a token minted and hashed, a link
document written (naming no user when the address has none, so it can never be used). The
mail of a known address is queued after the answer (app/mail/sign_in.py)."""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bson import ObjectId

from app.auth import policy, queries, service, throttling
from app.auth.documents import Role, UserDoc
from app.auth.schemas import TokenPairOut
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import NotAuthenticated, PermissionDenied
from app.core.log import security_event

MAGIC_LINK_MINUTES = 15
TOKEN_BYTES = 32
LINK_SENT = "If the address is registered, a sign-in link is on its way"
INVALID_LINK = "This sign-in link is invalid, used or expired"
TOO_MANY_LINKS = "Too many sign-in links asked for. Try again later."


@dataclass(frozen=True)
class IssuedLink:
    token: str
    user: UserDoc | None  # whom to mail it to: an active user's address, or nobody


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _throttles(settings: Settings, *, email: str, client_address: str) -> list[throttling.Throttle]:
    """The login's limits, counting every request (each one mails)."""
    address = throttling.address_key(client_address)
    window = timedelta(minutes=settings.login_failure_window_minutes)
    return [
        throttling.Throttle(
            "magic_link_address",
            f"magic-link-address:{address}",
            settings.login_address_max_failures,
            window,
        ),
        throttling.Throttle(
            "magic_link_account", f"magic-link:{email}", settings.login_max_failures, window
        ),
    ]


async def issue(*, db: Database, settings: Settings, email: str, client_address: str) -> IssuedLink:
    email = email.strip().lower()
    throttles = _throttles(settings, email=email, client_address=client_address)
    await throttling.record_attempt(db, throttles, message=TOO_MANY_LINKS)
    user = await queries.find_by_email(db, email)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    await queries.insert_magic_link(
        db,
        {
            "_id": ObjectId(),
            "token_hash": hash_token(token),
            "user_id": user["_id"] if user else None,
            "used_at": None if user else now,  # an unknown address's link is spent already
            "created_at": now,
            "expires_at": now + timedelta(minutes=MAGIC_LINK_MINUTES),
        },
    )
    wanted = user is not None and user["is_active"]
    return IssuedLink(token=token, user=user if wanted else None)


async def verify(*, db: Database, settings: Settings, token: str) -> TokenPairOut:
    """The answer of a login, once per link; 401 for a used, expired or unknown one. As a
    login: 403 for a deactivated user; and no session for an agent awaiting approval (403)."""
    link = await queries.spend_magic_link(db, hash_token(token), utcnow())
    user = await queries.users(db).find_one({"_id": link["user_id"]}) if link else None
    if user is None:
        raise NotAuthenticated(INVALID_LINK)
    if not user["is_active"]:
        security_event("login_deactivated", level=logging.WARNING, target_id=str(user["_id"]))
        raise PermissionDenied("This account has been deactivated")
    if user["role"] == Role.AGENT and not user["is_approved"]:
        raise PermissionDenied(policy.AWAITING_APPROVAL)
    return await service.start_session(db=db, settings=settings, doc=user)
