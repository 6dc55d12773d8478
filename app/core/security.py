"""Password hashing (argon2id, off the event loop) and JWT encoding/decoding."""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal, TypeVar

import jwt
from passlib.context import CryptContext

from app.core.config import Settings
from app.core.errors import NotAuthenticated
from app.core.lru import Lru
from app.core.offload import Slots

# argon2id with parameters of our own choosing (RFC 9106's second recommendation: 64 MiB,
# 3 passes), not a library's defaults: a stored hash made with other parameters reports
# needs_update and is re-hashed at the next successful login.
ARGON2_MEMORY_KIB = 65536
ARGON2_TIME_COST = 3
ARGON2_PARALLELISM = 4
password_context = CryptContext(
    schemes=["argon2"],
    deprecated="auto",
    argon2__type="ID",
    argon2__memory_cost=ARGON2_MEMORY_KIB,
    argon2__time_cost=ARGON2_TIME_COST,
    argon2__parallelism=ARGON2_PARALLELISM,
)

TOKEN_ISSUER = "support-api"  # noqa: S105 - the iss claim, not a secret
ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]
T = TypeVar("T")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    dummy: str = password_context.hash(uuid.uuid4().hex)
    return dummy


class PasswordHasher:
    """argon2id off the event loop, at most `concurrency` hashes at once in this worker: each
    takes 64 MiB, so a burst of logins cannot exhaust the machine's memory or CPU. One per app
    (`app.state.hasher`); a caller that waits longer than `wait_seconds` for a slot gets 503."""

    def __init__(self, *, concurrency: int, wait_seconds: float) -> None:
        self._slots = Slots(
            concurrency=concurrency,
            wait_seconds=wait_seconds,
            busy_message="Too many sign-ins at once; try again in a moment",
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> "PasswordHasher":
        return cls(
            concurrency=settings.password_hash_concurrency,
            wait_seconds=settings.password_hash_wait_seconds,
        )

    async def _run(self, work: Callable[[], T]) -> T:
        return await self._slots.run(work)

    async def hash(self, password: str) -> str:
        hashed: str = await self._run(lambda: password_context.hash(password))
        return hashed

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        """(matches, new_hash). With no hash (unknown email) the same work is done against a
        dummy hash, so the answer's timing does not reveal which emails exist."""

        def verify() -> tuple[bool, str | None]:
            if password_hash is None:
                password_context.verify(password, _dummy_hash())
                return False, None
            matches, new_hash = password_context.verify_and_update(password, password_hash)
            return bool(matches), new_hash

        return await self._run(verify)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


def encode_token(
    key: str,
    *,
    user_id: str,
    role: str,
    token_type: TokenType,
    ttl: timedelta,
    session: str,
) -> IssuedToken:
    """`session` (the `sid` claim) names the login the token belongs to."""
    now = datetime.now(UTC)
    jti = uuid.uuid4().hex
    expires_at = now + ttl
    claims = {
        "sub": user_id,
        "role": role,
        "type": token_type,
        "sid": session,
        "iat": now,
        "exp": expires_at,
        "jti": jti,
        "iss": TOKEN_ISSUER,
    }
    return IssuedToken(jwt.encode(claims, key, algorithm=ALGORITHM), jti, expires_at)


# Verified tokens, by their text: one request checks its token twice (rate limit, caller),
# and a front end sends the same token for many requests. The signature of a token string
# never changes; its expiry is checked again on every use. (Revocation is not a property of
# the token: logout and deactivation are checked on the caller's record, every request.)
VERIFIED_KEPT = 4096
_VERIFIED = Lru[tuple[str, str, str], dict[str, Any]](VERIFIED_KEPT)


def decode_token(key: str, token: str, token_type: TokenType) -> dict[str, Any]:
    """Claims of a valid token of the expected type, else 401. The algorithm list is pinned
    (no `none`, no key confusion) and exp, iat, sub, type, jti, iss, sid are required."""
    remembered = _VERIFIED.get((key, token, token_type))
    if remembered is not None:
        if remembered["exp"] <= time.time():
            raise NotAuthenticated("Token has expired", code="token_expired")
        return dict(remembered)
    claims = _verify(key, token, token_type)
    _VERIFIED.put((key, token, token_type), claims)
    return dict(claims)


def _verify(key: str, token: str, token_type: TokenType) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=TOKEN_ISSUER,
            options={"require": ["exp", "iat", "sub", "type", "jti", "iss", "sid"]},
        )
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("Token has expired", code="token_expired") from None
    except jwt.InvalidTokenError:
        raise NotAuthenticated("Invalid token") from None
    if claims.get("type") != token_type:
        raise NotAuthenticated("Invalid token")
    return claims
