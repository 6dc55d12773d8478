"""SLA breaches: the events of deadlines missed, recorded once each, by the write that meets a
deadline late (service.py, activity.py) or by the sweeper for deadlines that pass unmet
(app/sla/sweeper.py calls record_overdue_breaches)."""

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any

from app.core.db import Database
from app.core.errors import Conflict
from app.events import record as events
from app.events.documents import SYSTEM, EventType
from app.events.record import Session
from app.tickets import queries
from app.tickets.documents import Deadline, TicketDoc, running_deadlines, timestamp
from app.tickets.write import TicketChange, TicketEvent, write_ticket


def breach_events(ticket: Mapping[str, Any], kinds: list[Deadline]) -> list[TicketEvent]:
    """The events of SLA deadlines missed, from the ticket as the change leaves it (the
    change writes them into `sla_breached`)."""
    return [
        TicketEvent(
            EventType.SLA_FIRST_RESPONSE_BREACHED
            if kind == "first_response"
            else EventType.SLA_RESOLUTION_BREACHED,
            SYSTEM,
            "internal",
            {"deadline": kind, "due_at": ticket[f"{kind}_due_at"]},
        )
        for kind in kinds
    ]


async def record_overdue_breaches(*, db: Database, now: datetime, limit: int = 200) -> int:
    """Records the SLA deadlines passed by `now` and not yet recorded, each once with its
    event; returns how many tickets. Idempotent: each write is guarded by the deadline state
    it read (a ticket changed meanwhile is left to the next round)."""
    overdue = (
        await queries.tickets(db)
        .find({"due_key": {"$lt": timestamp(now)}}, queries.WITHOUT_HISTORY)
        .sort("due_key", 1)
        .limit(limit)
        .to_list()
    )
    recorded = 0
    for ticket in overdue:
        kinds = [kind for kind, due in running_deadlines(ticket).items() if due <= now]
        try:
            await events.in_transaction(db, partial(_record_missed, db, ticket, kinds))
            recorded += 1
        except Conflict:
            continue
    return recorded


async def _record_missed(
    db: Database, ticket: TicketDoc, kinds: list[Deadline], session: Session
) -> None:
    breached = {"sla_breached": [*ticket.get("sla_breached", []), *kinds]}
    change = TicketChange(fields=breached, events=breach_events(ticket, kinds))
    guard = {"due_key": ticket["due_key"], "sla_breached": {"$nin": kinds}}
    await write_ticket(db=db, session=session, ticket=ticket, guard=guard, change=change)
