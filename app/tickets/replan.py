"""Changes planned again when someone else wrote first: a plan reads the ticket and says what
to write under which guard; when the guard no longer holds, the ticket is read again, the
caller's permission checked again on it, and the change planned anew (a bounded number of
times). Used where concurrent writers must all get their change in (tags, bulk changes)
rather than be refused with a 409."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from app.core.db import Database
from app.core.errors import Conflict, NotFound
from app.core.pagination import Filter
from app.events import record as events
from app.events.record import Session
from app.tickets import autoassign, policy, queries
from app.tickets.documents import TicketDoc
from app.tickets.policy import Permit
from app.tickets.write import CHANGED_CONCURRENTLY, TicketChange, write_ticket

ATTEMPTS = 10  # of N simultaneous writers each round lets one through


@dataclass(frozen=True)
class Planned:
    """A change, the guard it relies on, and other writes of the same transaction."""

    change: TicketChange
    guard: Filter
    also: Callable[[Session], Awaitable[None]] | None = None


Plan = Callable[[Permit], Awaitable[Planned | None]]  # None: nothing to change


def combined(changes: Sequence[TicketChange]) -> TicketChange:
    """Steps of one change, in order, as one: later fields win, counts add up, events in
    order."""
    fields: dict[str, Any] = {}
    counts: dict[str, int] = {}
    computed: dict[str, Any] = {}
    for change in changes:
        fields |= change.fields
        computed |= change.computed
        for name, n in change.counts.items():
            counts[name] = counts.get(name, 0) + n
    return TicketChange(
        fields=fields,
        counts=counts,
        computed=computed,
        events=[event for change in changes for event in change.events],
    )


def applied(ticket: TicketDoc, change: TicketChange) -> TicketDoc:
    """The ticket as a change leaves it, for planning the next step of the same change."""
    after: dict[str, Any] = {**ticket, **change.fields}
    after |= {name: after.get(name, 0) + n for name, n in change.counts.items()}
    return cast(TicketDoc, after)


async def change_with_retries(*, db: Database, permit: Permit, plan: Plan) -> TicketDoc:
    """Writes what `plan` makes of the permitted ticket; the ticket as it is after (as it was
    when there is nothing to change). Raises NotFound when the ticket is gone, the permission
    check's refusal when the ticket changed hands, Conflict after ATTEMPTS lost races."""
    for _ in range(ATTEMPTS):
        planned = await plan(permit)
        if planned is None:
            return permit.ticket
        try:
            return await _write(db, permit.ticket, planned)
        except Conflict:
            fresh = await queries.find_ticket(db, permit.ticket["_id"])
            if fresh is None:
                raise NotFound("Ticket not found") from None
            permit = policy.permit(permit.user, fresh, permit.action)
    raise Conflict(CHANGED_CONCURRENTLY, code="changed_concurrently")


async def _write(db: Database, ticket: TicketDoc, planned: Planned) -> TicketDoc:
    async def work(session: Session) -> TicketDoc:
        after = await write_ticket(
            db=db, session=session, ticket=ticket, guard=planned.guard, change=planned.change
        )
        if planned.also is not None:
            await planned.also(session)
        return after

    after = await events.in_transaction(db, work)
    await autoassign.made_room(db, ticket, after)  # say, a bulk change resolved it
    return after
