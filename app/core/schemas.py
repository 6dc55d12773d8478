"""Shared schema pieces: how ids and datetimes look on the wire, and the two base classes."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Self

from bson import ObjectId
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

ID_EXAMPLE = "65a1b2c3d4e5f6a7b8c9d0e1"


def _object_id_to_str(value: object) -> object:
    return str(value) if isinstance(value, ObjectId) else value


def _utc_z(value: datetime) -> str:
    # The reference's format: 2026-01-09T10:30:00Z (UTC, whole seconds).
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(timespec="seconds")[:19] + "Z"  # isoformat: C, unlike strftime


# A 24-hex id on the wire; accepts the stored ObjectId.
Id = Annotated[
    str,
    BeforeValidator(_object_id_to_str),
    WithJsonSchema({"type": "string", "pattern": "^[0-9a-f]{24}$", "example": ID_EXAMPLE}),
]
UtcDatetime = Annotated[
    datetime,
    PlainSerializer(_utc_z, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "example": "2026-01-09T10:30:00Z"}),
]


def text(min_length: int, max_length: int) -> object:
    """A trimmed string with length bounds, for request fields."""
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


class Schema(BaseModel):
    """Base of every response body. Built from a stored document with `from_doc`, which
    keeps only the declared fields: a stored document is never returned as it is. A stored
    `_id` is the answer's `id`, at any depth (notes and replies embed attachment summaries)."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _stored_id(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "_id" in data and "id" not in data:
            return {**data, "id": data["_id"]}
        return data

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any], **fields: Any) -> Self:
        return cls.model_validate({**doc, **fields})


class RequestSchema(BaseModel):
    """Base of every request body: an unknown field is refused (a misspelt optional field
    must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class MessageOut(Schema):
    message: str
