"""The stored user account: its typed shape and its one constructor, used by sign-up, the
bootstrap admin, `seed-demo` and the test factories alike."""

from datetime import datetime
from enum import StrEnum
from typing import TypedDict

from bson import ObjectId

from app.core.clock import utcnow


class Role(StrEnum):
    CUSTOMER = "user"
    AGENT = "support_agent"
    ADMIN = "admin"


class UserDoc(TypedDict):
    _id: ObjectId
    email: str  # stored lower-cased; a unique index settles concurrent sign-ups
    name: str
    contact_number: str | None
    role: str  # a Role value
    password_hash: str
    is_active: bool
    is_approved: bool  # agents wait for an admin; customers and admins need no approval
    approved_at: datetime | None
    approved_by: ObjectId | None
    created_at: datetime
    updated_at: datetime


def new_user(
    *,
    email: str,
    name: str,
    role: Role,
    password_hash: str,
    contact_number: str | None = None,
    approved: bool | None = None,
    active: bool = True,
    now: datetime | None = None,
) -> UserDoc:
    """A new account; `approved` defaults to the role's rule (agents wait for approval)."""
    now = now or utcnow()
    is_approved = role != Role.AGENT if approved is None else approved
    return UserDoc(
        _id=ObjectId(),
        email=email.lower(),
        name=name,
        contact_number=contact_number,
        role=role.value,
        password_hash=password_hash,
        is_active=active,
        is_approved=is_approved,
        approved_at=now if is_approved and role == Role.AGENT else None,
        approved_by=None,
        created_at=now,
        updated_at=now,
    )
