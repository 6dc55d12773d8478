"""The one way a stored ticket changes: `write_ticket`, inside the caller's transaction.

Every change of a ticket (a status or priority, an assignment, a note or reply counted, an
attachment place, an SLA breach recorded) is the same steps, done here once: the stored update
from the change, the sort keys again when fields are set (documents.sort_keys), `version`
bumped (and `public_version` when a field customers see changes: queries.with_version_bump),
the write applied only while `guard` holds, Conflict when it no longer does, the agents' loads
moved (loads.py), and the change's events recorded with the ticket as it is after it (its new
version included). Nothing else updates the tickets collection (tests/system/test_architecture.py checks it).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from app.auth.principal import User
from app.core.db import Database
from app.core.errors import Conflict
from app.core.pagination import Filter
from app.events import record as events
from app.events.documents import Actor, EventType, Visibility, actor_of
from app.events.record import Session
from app.tickets import loads, queries, surveys
from app.tickets.documents import TicketDoc, TicketStatus, sort_keys

CHANGED_CONCURRENTLY = "The ticket was changed by someone else; reload it and try again"
# What an agent's load counts (loads.py): a write that sets them is applied only while they
# are as read, so the loads move from what was stored.
LOAD_FIELDS = frozenset({"agent_id", "status"})


@dataclass(frozen=True)
class TicketEvent:
    """An event of a change, recorded with the ticket as it is after the change."""

    type: EventType
    actor: Actor
    visibility: Visibility
    data: dict[str, Any]


@dataclass(frozen=True)
class TicketChange:
    """A change of a ticket and its events.

    `fields`: set to these values (the sort keys follow them). `counts`: counters raised by
    these amounts on what is stored, never on what was read (concurrent writers all count).
    `computed`: fields the database computes from what is stored (aggregation expressions:
    the update becomes a pipeline), where a concurrent writer's value must not be overwritten;
    the ticket returned keeps what `fields` set, or what was read, for them."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)
    computed: Mapping[str, Any] = field(default_factory=dict)
    events: Sequence[TicketEvent] = ()


def status_changed(old: str, new: str, *, by: User) -> TicketEvent:
    return TicketEvent(
        EventType.TICKET_STATUS_CHANGED, actor_of(by), "public", {"from": old, "to": new}
    )


def _pinned(guard: Filter, values: Mapping[str, Any]) -> Filter:
    """`guard`, and each field of `values` equal to its value, as conditions on fields: a
    ticket's write is a filter on `_id` and fields, never a top-level operator such as `$and`
    (tests/system/test_db_contract.py: then it reads the collection)."""
    both = dict(guard)
    for name, value in values.items():
        held = both.get(name)
        if name not in both:
            both[name] = value
        elif isinstance(held, dict) and all(key.startswith("$") for key in held):
            both[name] = {**held, "$eq": value} if held.get("$eq", value) == value else {"$in": []}
        else:
            both[name] = value if held == value else {"$in": []}  # can never hold: Conflict
    return both


async def write_ticket(
    *, db: Database, session: Session, ticket: TicketDoc, guard: Filter, change: TicketChange
) -> TicketDoc:
    """Applies `change` to `ticket` (as the caller read it) in the session's transaction if
    the stored ticket still matches `guard`, records the change's events, and returns the
    ticket as it is after the change. Raises Conflict (changed_concurrently) when the guard
    no longer holds. Becoming Resolved counts a resolution cycle and opens its survey."""
    resolving = (
        change.fields.get("status") == TicketStatus.RESOLVED.value
        and ticket["status"] != TicketStatus.RESOLVED.value
    )
    if resolving:
        change = _resolution(change, cycle=ticket.get("resolution_cycle", 0) + 1)
    after: dict[str, Any] = {**ticket, **change.fields}
    stored = {**change.fields, **sort_keys(after)} if change.fields else {}
    after |= stored
    after |= {name: after.get(name, 0) + n for name, n in change.counts.items()}
    update = _update(stored, change.counts, change.computed)
    if LOAD_FIELDS & change.fields.keys():  # the agents' loads move from what is stored
        guard = _pinned(guard, {f: ticket[f] for f in LOAD_FIELDS})  # type: ignore[literal-required]
    versions = await queries.update_ticket(db, ticket["_id"], guard, update, session=session)
    if versions is None:
        raise Conflict(CHANGED_CONCURRENTLY, code="changed_concurrently")
    after |= versions
    if resolving:
        await surveys.open_survey(db, session, cast(TicketDoc, after))
    for event in change.events:
        await events.record(
            db,
            session,
            event.type,
            actor=event.actor,
            visibility=event.visibility,
            data=event.data,
            ticket=after,
        )
    # Last, so the transaction holds the agents' shared load documents for the least time.
    await loads.shift(db, session, ticket, after)
    return cast(TicketDoc, after)


async def change_ticket(
    *, db: Database, ticket: TicketDoc, guard: Filter, change: TicketChange
) -> TicketDoc:
    """`write_ticket` in a transaction of its own."""
    return await events.in_transaction(
        db,
        lambda session: write_ticket(
            db=db, session=session, ticket=ticket, guard=guard, change=change
        ),
    )


def _resolution(change: TicketChange, *, cycle: int) -> TicketChange:
    """The change counting one more resolution; its Resolved event names the cycle."""
    resolved = [
        replace(e, data={**e.data, "cycle": cycle})
        if e.type == EventType.TICKET_STATUS_CHANGED and e.data.get("to") == TicketStatus.RESOLVED
        else e
        for e in change.events
    ]
    counts = {**change.counts, "resolution_cycle": 1}
    return replace(change, counts=counts, events=resolved)


def _update(stored: dict[str, Any], counts: Mapping[str, int], computed: Mapping[str, Any]) -> Any:
    """An update document, or a pipeline when the database computes fields."""
    if computed:
        added = {f: {"$add": [{"$ifNull": [f"${f}", 0]}, n]} for f, n in counts.items()}
        return [{"$set": {**stored, **added, **computed}}]
    update: dict[str, Any] = {}
    if stored:
        update["$set"] = stored
    if counts:
        update["$inc"] = dict(counts)
    return update
