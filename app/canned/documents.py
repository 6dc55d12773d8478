"""The stored canned response and its one constructor."""

from datetime import datetime
from typing import TypedDict

from bson import ObjectId

from app.core.clock import utcnow


class CannedDoc(TypedDict):
    _id: ObjectId
    title: str
    body: str  # a template (app/core/templates.py), checked when saved
    shortcut: str | None
    shared: bool
    owner_id: ObjectId | None  # the agent a personal one belongs to; None when shared
    created_by: ObjectId
    created_at: datetime
    updated_at: datetime


def new_canned(
    *, title: str, body: str, shortcut: str | None, shared: bool, author: ObjectId
) -> CannedDoc:
    now = utcnow()
    return CannedDoc(
        _id=ObjectId(),
        title=title,
        body=body,
        shortcut=shortcut,
        shared=shared,
        owner_id=None if shared else author,
        created_by=author,
        created_at=now,
        updated_at=now,
    )
