"""Login, tokens and the caller's own account; the field types sign-up shares."""

from typing import Annotated, Literal

from pydantic import AfterValidator, EmailStr, Field

from app.auth.documents import Role
from app.core.config import PASSWORD_MAX, PASSWORD_MIN
from app.core.schemas import Id, RequestSchema, Schema, UtcDatetime, text

Name = Annotated[str, text(1, 100)]
# Passwords are not trimmed: every character counts.
Password = Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]


def _loose_phone(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    digits = sum(ch.isdigit() for ch in value)
    allowed = set("0123456789+-() .")
    if not (7 <= digits <= 15 and set(value) <= allowed):
        raise ValueError("Enter a valid phone number, e.g. +91 98765 43210.")
    return value


ContactNumber = Annotated[str | None, text(0, 32), AfterValidator(_loose_phone)]


def _lower_email(value: str) -> str:
    return value.lower()


Email = Annotated[EmailStr, Field(max_length=254), AfterValidator(_lower_email)]


class UserOut(Schema):
    id: Id
    email: str
    name: str
    role: Role


# How the client keeps its refresh token: in the JSON answer, or (browsers) in a cookie
# JavaScript cannot read.
SessionMode = Annotated[
    Literal["token", "cookie"],
    Field(
        description='`"token"`: the refresh token is in the answer. `"cookie"` (browsers): it is '
        "set as the `refresh_token` cookie instead (HttpOnly, SameSite=Strict, Path=/api/auth/, "
        "Secure outside development) and the answer's `refresh_token` is null; the request needs "
        "an `Origin` header of the API's own origin. A refresh that uses the cookie always "
        "answers this way.",
    ),
]
# Optional in the body: a browser's is in the cookie instead.
RefreshToken = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=4096,
        description="Required unless the `refresh_token` cookie is sent (then `Origin` must "
        "be the API's own origin).",
    ),
]


class LoginIn(RequestSchema):
    # Not validated as an email: a malformed one is simply not a known account (401).
    email: Annotated[str, text(1, 254)]
    password: Annotated[str, Field(min_length=1, max_length=128)]
    session: SessionMode = "token"


class MagicLinkIn(RequestSchema):
    # Not validated as an email: the answer is the same for any string (no enumeration).
    email: Annotated[str, text(1, 254)]


class MagicLinkVerifyIn(RequestSchema):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    session: SessionMode = "token"


class LoginUserOut(UserOut):
    is_approved: bool


class TokenPairOut(Schema):
    access_token: str
    refresh_token: str | None = Field(
        description='null when the session is `"cookie"`: the token is in the HttpOnly cookie'
    )
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")
    user: LoginUserOut


class LogoutIn(RequestSchema):
    refresh_token: RefreshToken = None


class RefreshIn(LogoutIn):
    session: SessionMode = "token"


class AccountOut(LoginUserOut):
    is_active: bool


class MeUserOut(AccountOut):
    contact_number: str | None
    created_at: UtcDatetime


class MeOut(Schema):
    user: MeUserOut
