"""The authenticated caller, loaded once per request. Internal: never a response body."""

from collections.abc import Mapping
from typing import Any

from bson import ObjectId
from pydantic import BaseModel, ConfigDict

from app.auth.documents import Role
from app.core.errors import PermissionDenied


class User(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: ObjectId
    email: str
    name: str
    role: Role
    is_active: bool
    is_approved: bool
    session: ObjectId  # the login the request's token belongs to

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any], *, session: ObjectId) -> "User":
        """Fails closed: an account whose role this service does not know can do nothing."""
        if doc["role"] not in Role._value2member_map_:
            raise PermissionDenied("This account has no role this service knows")
        return cls(
            id=doc["_id"],
            email=doc["email"],
            name=doc["name"],
            role=Role(doc["role"]),
            is_active=doc["is_active"],
            is_approved=doc["is_approved"],
            session=session,
        )
