"""Recording events, and the transactions that make a change and its event one write.

`in_transaction(db, work)` runs `work(session)` as a multi-document transaction (retried on
transient conflicts): every change of the service passes its session to its writes and to
`record(...)`, so the change is never stored without its event, nor the event without the
change. MongoDB needs a replica set for transactions (a single node is enough).
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from app.core.clock import utcnow
from app.core.db import Database
from app.events.documents import Actor, Audience, EventDoc, EventType, Visibility, audience_of
from app.events.queries import events

T = TypeVar("T")
Session = AsyncClientSession


# Every transaction increments the event counter, so within one process concurrent ones would
# only conflict on it, abort and retry; taking turns is several times faster under load (see
# the README). Across processes, the database's conflict detection keeps ordering them.
_turns: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = WeakKeyDictionary()


def _turn() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    if (lock := _turns.get(loop)) is None:
        lock = _turns[loop] = asyncio.Lock()
    return lock


async def in_transaction(db: Database, work: Callable[[Session], Awaitable[T]]) -> T:
    async with _turn(), db.client.start_session() as session:
        result: T = await session.with_transaction(work)
        return result


async def _next_id(db: Database, session: Session) -> int:
    counter = await db.counters.find_one_and_update(
        {"_id": "events"},
        {"$inc": {"seq": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    assert counter is not None  # upserted
    return int(counter["seq"])


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
) -> EventDoc:
    """One event, in the session's transaction. `ticket` (as it is after the change) gives
    the ticket id and the audience."""
    event = EventDoc(
        _id=ObjectId(),
        seq=await _next_id(db, session),
        type=event_type.value,
        occurred_at=utcnow(),
        actor=actor,
        ticket_id=ticket["_id"] if ticket else None,
        visibility=visibility,
        data=_plain(data),
        audience=audience or audience_of(ticket),
    )
    if webhook_id is not None:
        event["webhook_id"] = webhook_id
    await events(db).insert_one(event, session=session)
    return event
