"""Applying a macro to a ticket: its reply, note, tags, status and priority as one change of
the ticket, in one transaction with the reply and the note and every event, or previewed.

The steps are planned in this order, each on the ticket as the previous one leaves it, like a
person would do them: the public reply, the internal note, the tags, then the status and
priority (so "reply and resolve" meets the first-response deadline, then resolves). Each step
is the service that does it alone (replies, notes, tags, the status endpoint's transitions):
a step that refuses (a transition the workflow forbids, a Closed ticket) refuses the whole
macro, and nothing is written. The write is guarded by the ticket's version as read: when
someone wrote meanwhile, the macro is planned again on the new state (replan.py), unless the
caller sent If-Match, whose ticket it no longer is (412). A preview plans the same way and
writes nothing."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from app.core import templates
from app.core.db import Database
from app.core.errors import FieldError
from app.events.record import Session
from app.macros.documents import MacroDoc
from app.replies import queries as reply_queries
from app.replies.documents import ReplyDoc
from app.replies.schemas import ReplyIn
from app.replies.service import reply_change
from app.tickets import activity, service, tags
from app.tickets import queries as ticket_queries
from app.tickets.deps import ensure_unchanged
from app.tickets.documents import NoteDoc, Priority, TicketDoc, TicketStatus
from app.tickets.policy import Action, Permit
from app.tickets.replan import Planned, applied, change_with_retries, combined
from app.tickets.schemas import NoteIn, TicketStatusUpdate
from app.tickets.template_values import template_values
from app.tickets.write import TicketChange

In = TypeVar("In", bound=BaseModel)
# A step's field error named as the macro's field.
MACRO_FIELDS = {"status": "set_status", "add": "add_tags", "remove": "remove_tags"}


@dataclass
class Applied:
    """The ticket as the macro leaves it, and the reply and note it adds."""

    ticket: TicketDoc
    reply: ReplyDoc | None = None
    note: NoteDoc | None = None


async def apply_macro(
    *, db: Database, permit: Permit, macro: MacroDoc, if_match: str | None, preview: bool
) -> Applied:
    outcome = Applied(ticket=permit.ticket)

    async def plan(permit: Permit) -> Planned | None:
        ensure_unchanged(permit.ticket, if_match, internal=permit.internal)
        planned, outcome.reply, outcome.note = await _plan(db, permit, macro)
        return planned

    if preview:
        planned = await plan(permit)
        if planned is not None:
            outcome.ticket = applied(permit.ticket, planned.change)
    else:
        outcome.ticket = await change_with_retries(db=db, permit=permit, plan=plan)
    return outcome


async def _plan(
    db: Database, permit: Permit, macro: MacroDoc
) -> tuple[Planned | None, ReplyDoc | None, NoteDoc | None]:
    """None when nothing would change (only tags, already as asked)."""
    ticket, by = permit.ticket_for(Action.WORK), permit.user
    values = await template_values(db=db, ticket=ticket, agent=by)
    steps: list[TicketChange] = []
    now = ticket

    def step(change: TicketChange | None) -> None:
        nonlocal now
        if change is not None:
            steps.append(change)
            now = applied(now, change)

    reply: ReplyDoc | None = None
    note: NoteDoc | None = None
    try:
        if macro["reply"] is not None:
            wanted = _rendered(ReplyIn, "reply", "body", macro["reply"], values)
            reply, change, _ = await reply_change(db=db, ticket=now, author=by, data=wanted)
            step(change)  # its guard: the version's guard below covers it
        if macro["note"] is not None:
            written = _rendered(NoteIn, "note", "note", macro["note"], values)
            note, change = await activity.note_change(db=db, ticket=now, author=by, data=written)
            step(change)
        if macro["add_tags"] or macro["remove_tags"]:
            add, remove = macro["add_tags"], macro["remove_tags"]
            step(tags.tags_change(now, add=add, remove=remove, by=by))
        if macro["set_status"] is not None or macro["set_priority"] is not None:
            status, priority = macro["set_status"], macro["set_priority"]
            asked = TicketStatusUpdate(
                status=TicketStatus(status) if status else None,
                priority=Priority(priority) if priority else None,
            )
            step(await service.status_change(db=db, ticket=now, by=by, data=asked))
    except FieldError as refused:
        raise FieldError(MACRO_FIELDS.get(refused.field, refused.field), refused.message) from None
    if not steps:
        return None, None, None
    guard = {"version": ticket.get("version")}  # every step read the ticket as it was
    return Planned(combined(steps), guard, _insert(db, reply, note)), reply, note


def _rendered(
    schema: type[In], field: str, key: str, source: str, values: Mapping[str, Mapping[str, object]]
) -> In:
    """The template filled in for the ticket, as the endpoint that adds it would take it."""
    try:
        return schema.model_validate({key: templates.render(source, values)})
    except ValidationError as invalid:
        message = invalid.errors()[0]["msg"]
        raise FieldError(field, f"Filled in for this ticket: {message}") from None


def _insert(
    db: Database, reply: ReplyDoc | None, note: NoteDoc | None
) -> Callable[[Session], Awaitable[None]]:
    async def insert(session: Session) -> None:
        if reply is not None:
            await reply_queries.replies(db).insert_one(reply, session=session)
        if note is not None:
            await ticket_queries.notes(db).insert_one(note, session=session)

    return insert
