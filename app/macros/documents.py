"""The stored macro and its one constructor."""

from datetime import datetime
from typing import TypedDict

from bson import ObjectId

from app.core.clock import utcnow


class MacroActions(TypedDict):
    reply: str | None  # a template (app/core/templates.py), checked when saved
    note: str | None  # a template too: an internal note
    set_status: str | None
    set_priority: str | None
    add_tags: list[str]
    remove_tags: list[str]


class MacroDoc(MacroActions):
    _id: ObjectId
    title: str
    created_by: ObjectId
    created_at: datetime
    updated_at: datetime


def new_macro(*, title: str, actions: MacroActions, author: ObjectId) -> MacroDoc:
    now = utcnow()
    return MacroDoc(
        _id=ObjectId(),
        title=title,
        created_by=author,
        created_at=now,
        updated_at=now,
        **actions,
    )
