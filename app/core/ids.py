"""Ids on the wire: 24 hex characters naming an ObjectId.

A path id that names nothing is a 404 (the resource does not exist); a body id that is not an
id, in a body or a query, is a 400 field error (the request is malformed): `IdStr` does that."""

import re
from typing import Annotated

from bson import ObjectId
from pydantic import AfterValidator, Field

from app.core.errors import NotFound

_HEX24 = re.compile(r"[0-9a-fA-F]{24}")
ID_PATTERN = "^[0-9a-fA-F]{24}$"


def to_object_id(value: str) -> ObjectId | None:
    """The ObjectId that `value` names, or None when it cannot name one."""
    return ObjectId(value) if isinstance(value, str) and _HEX24.fullmatch(value) else None


def object_id_or_404(value: str, message: str) -> ObjectId:
    """A path id: one that cannot name a document is answered like one that names none."""
    oid = to_object_id(value)
    if oid is None:
        raise NotFound(message)
    return oid


def _object_id(value: str) -> ObjectId:
    oid = to_object_id(value)
    if oid is None:
        raise ValueError("Not a valid id.")
    return oid


IdStr = Annotated[
    str,
    Field(min_length=1, max_length=64, json_schema_extra={"pattern": ID_PATTERN}),
    AfterValidator(lambda value: str(_object_id(value))),
]
