"""Sign-up, the admin's agent list, and activation answers."""

from pydantic import Field

from app.auth.schemas import AccountOut, ContactNumber, Email, Name, Password, UserOut
from app.core.schemas import Id, RequestSchema, Schema, UtcDatetime


class RegisterIn(RequestSchema):
    email: Email
    password: Password
    name: Name
    contact_number: ContactNumber = None


class RegisteredOut(Schema):
    message: str
    user: UserOut


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
    released_tickets: int = Field(
        default=0,
        description="Deactivating an agent: how many of their unfinished tickets went back "
        "to the unassigned queue",
    )
