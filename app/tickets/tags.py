"""Tags: staff-only labels on a ticket (`tags`, lowercase `[a-z0-9_-]`, 1-32 characters, at
most MAX_TAGS a ticket), never shown to customers; changes recorded as an internal
`ticket.tags_changed` event with what was `added` and `removed`.

The pieces are reusable by anything that changes tags within a larger change (bulk changes,
macros): `edit_tags` computes the new list, `tags_change` the ticket's change with its event,
`tags_guard` what such a write relies on."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.auth.principal import User
from app.core.db import Database
from app.core.errors import FieldError
from app.core.pagination import Filter
from app.events.documents import EventType, actor_of
from app.tickets import policy
from app.tickets.documents import TicketDoc, TicketStatus
from app.tickets.policy import Action, Permit
from app.tickets.replan import Planned, change_with_retries
from app.tickets.workflow import ensure_open_for_work
from app.tickets.write import TicketChange, TicketEvent

MAX_TAGS = 20
TAG = re.compile(r"[a-z0-9_-]{1,32}")
INVALID_TAG = "A tag is 1-32 characters: lowercase letters, digits, '-' or '_'."
TOO_MANY_TAGS = f"A ticket can have at most {MAX_TAGS} tags."
ADDED_AND_REMOVED = "A tag cannot be both added and removed."


def normalised_tag(value: str) -> str:
    """A tag as stored: trimmed, lowercase; raises ValueError (a field error) when invalid."""
    tag = value.strip().lower()
    if not TAG.fullmatch(tag):
        raise ValueError(INVALID_TAG)
    return tag


@dataclass(frozen=True)
class TagsEdit:
    """The tags after an edit, and what it effectively added and removed (in the order given)."""

    tags: list[str]
    added: list[str]
    removed: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def stored_tags(ticket: TicketDoc) -> list[str]:
    return list(ticket.get("tags") or [])


def edit_tags(current: Sequence[str], *, add: Iterable[str], remove: Iterable[str]) -> TagsEdit:
    """`current` + `add` - `remove` (normalised tags): kept ones stay in their order, new ones
    follow in the order given. Raises a 400 field error when a tag is both added and removed,
    or when the ticket would have more than MAX_TAGS."""
    add, remove = list(dict.fromkeys(add)), list(dict.fromkeys(remove))
    if set(add) & set(remove):
        raise FieldError("remove", ADDED_AND_REMOVED)
    removed = [tag for tag in remove if tag in current]
    added = [tag for tag in add if tag not in current]
    tags = [tag for tag in current if tag not in removed] + added
    if len(tags) > MAX_TAGS:
        raise FieldError("add", TOO_MANY_TAGS)
    return TagsEdit(tags=tags, added=added, removed=removed)


def tags_changed(edit: TagsEdit, *, by: User) -> TicketEvent:
    return TicketEvent(
        EventType.TICKET_TAGS_CHANGED,
        actor_of(by),
        "internal",
        {"added": edit.added, "removed": edit.removed},
    )


def tags_change(
    ticket: TicketDoc, *, add: Iterable[str], remove: Iterable[str], by: User
) -> TicketChange | None:
    """The change of `ticket`'s tags with its event; None when it adds and removes nothing.
    Tags are internal: the change leaves `updated_at` (and the customer's ETag) as it was.
    Like any change but a transition, none on a Closed ticket."""
    ensure_open_for_work(TicketStatus(ticket["status"]))
    edit = edit_tags(stored_tags(ticket), add=add, remove=remove)
    if not edit.changed:
        return None
    return TicketChange(fields={"tags": edit.tags}, events=[tags_changed(edit, by=by)])


def tags_guard(ticket: TicketDoc) -> Filter:
    """The tags a change of them was computed from, still stored (none on older tickets)."""
    if "tags" not in ticket:
        return {"tags": {"$exists": False}}
    return {"tags": stored_tags(ticket)}


async def change_tags(
    *, db: Database, permit: Permit, add: Sequence[str], remove: Sequence[str]
) -> TicketDoc:
    """Adds and removes tags. Of simultaneous edits none loses another's tags: each is
    computed from the stored tags and written only while they are still those, else computed
    again from the new ones (replan.py)."""

    async def plan(permit: Permit) -> Planned | None:
        ticket, by = permit.ticket_for(Action.WORK), permit.user
        change = tags_change(ticket, add=add, remove=remove, by=by)
        if change is None:
            return None
        guard: dict[str, Any] = {**tags_guard(ticket), **policy.work_guard(by, ticket)}
        return Planned(change=change, guard=guard)

    return await change_with_retries(db=db, permit=permit, plan=plan)
