"""Recording events, and the transactions that make a change and its event one write.

`in_transaction(db, work)` runs `work(session)` as a multi-document transaction (retried on
transient conflicts): every change of the service passes its session to its writes and to
`record(...)`, so the change is never stored without its event, nor the event without the
change. MongoDB needs a replica set for transactions (a single node is enough).

The event is written pending, without a number: no transaction takes a lock or touches a
shared document, so writes of many processes do not wait for one another. The sequencer
numbers it after the commit (sequencer.py). `in_transaction` then returns once this process
has seen its events numbered (arrivals.py), at most EVENT_WRITE_WAIT_SECONDS: a client that
reads the feed or a timeline after a write's answer finds the write's events there.
"""

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar, cast

import pymongo
from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from app.core.clock import utcnow
from app.core.db import Database
from app.events import arrivals
from app.events.documents import (
    Actor,
    Audience,
    EventDoc,
    EventType,
    PendingEvent,
    Visibility,
    audience_of,
)
from app.events.queries import events

T = TypeVar("T")
Session = AsyncClientSession

# A transaction that keeps conflicting (many writers of one document at once) is retried for at
# most this long, then answered 503 with Retry-After: nobody waits for the driver's two minutes.
TRANSACTION_SECONDS = 10.0

# The events the running transaction's current attempt has recorded.
_recorded: ContextVar[list[ObjectId] | None] = ContextVar("recorded_events", default=None)


async def in_transaction(db: Database, work: Callable[[Session], Awaitable[T]]) -> T:
    recorded: list[ObjectId] = []

    async def attempt(session: Session) -> T:
        recorded.clear()  # a retried attempt records its events again
        return await work(session)

    token = _recorded.set(recorded)
    try:
        with pymongo.timeout(TRANSACTION_SECONDS):
            async with db.client.start_session() as session:
                result: T = await session.with_transaction(attempt)
    finally:
        _recorded.reset(token)
    await arrivals.wait_numbered(db, recorded)
    return result


def _plain(value: Any) -> Any:
    """Event data as JSON has it: ids and times as strings (the stream and webhooks send it
    as it is stored)."""
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def record(
    db: Database,
    session: Session,
    event_type: EventType,
    *,
    actor: Actor,
    visibility: Visibility,
    data: dict[str, Any],
    ticket: Mapping[str, Any] | None = None,
    audience: Audience | None = None,
    webhook_id: ObjectId | None = None,
) -> PendingEvent:
    """One event, in the session's transaction. `ticket` (as it is after the change) gives
    the ticket id, the audience and the ticket's version."""
    event = PendingEvent(
        _id=ObjectId(),
        pending=True,
        type=event_type.value,
        occurred_at=utcnow(),
        actor=actor,
        ticket_id=ticket["_id"] if ticket else None,
        visibility=visibility,
        data=_plain(data),
        audience=audience or audience_of(ticket),
    )
    if ticket is not None and "version" in ticket:
        event["ticket_version"] = ticket["version"]
    if webhook_id is not None:
        event["webhook_id"] = webhook_id
    await events(db).insert_one(cast(EventDoc, event), session=session)  # numbered later
    if (recorded := _recorded.get()) is not None:
        recorded.append(event["_id"])
    return event
