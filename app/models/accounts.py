"""Users, registration, login and tokens."""

from typing import Annotated, Any

from bson import ObjectId
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from app.models.common import Id, RequestSchema, Schema, UtcDatetime, text
from app.models.enums import Role

Name = Annotated[str, text(1, 100)]
# Passwords are not trimmed: every character counts.
Password = Annotated[str, Field(min_length=8, max_length=128)]


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


class User(BaseModel):
    """The authenticated caller, loaded once per request. Internal: never a response body."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: ObjectId
    email: str
    name: str
    role: Role
    is_active: bool
    is_approved: bool

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "User":
        return cls(
            id=doc["_id"],
            email=doc["email"],
            name=doc["name"],
            role=doc["role"],
            is_active=doc["is_active"],
            is_approved=doc["is_approved"],
        )

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_approved_agent(self) -> bool:
        return self.role == Role.AGENT and self.is_approved


class RegisterIn(RequestSchema):
    email: Email
    password: Password
    name: Name
    contact_number: ContactNumber = None


class UserOut(Schema):
    id: Id
    email: str
    name: str
    role: Role


class RegisteredOut(Schema):
    message: str
    user: UserOut


class LoginIn(RequestSchema):
    # Not validated as an email: a malformed one is simply not a known account (401).
    email: Annotated[str, text(1, 254)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class LoginUserOut(UserOut):
    is_approved: bool


class TokenPairOut(Schema):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")
    user: LoginUserOut


class RefreshIn(RequestSchema):
    refresh_token: Annotated[str, Field(min_length=1, max_length=4096)]


class AccountOut(LoginUserOut):
    is_active: bool


class MeUserOut(AccountOut):
    contact_number: str | None
    created_at: UtcDatetime


class MeOut(Schema):
    user: MeUserOut


class AgentOut(Schema):
    id: Id
    email: str
    name: str
    contact_number: str | None
    is_approved: bool
    is_active: bool
    created_at: UtcDatetime


class AgentListOut(Schema):
    agents: list[AgentOut]
    next_cursor: str | None


class UserStatusOut(Schema):
    message: str
    user: AccountOut
