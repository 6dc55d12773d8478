"""Heartbeats of staff on a ticket, and the `ticket.presence` events of their changes.

A heartbeat holds for EXPIRY. Only changes are events (someone starts viewing, starts or stops
typing, leaves), never a heartbeat that changes nothing: the event log carries who is on a
ticket to the live streams of every instance without being flooded. Someone whose heartbeat
expired is swept, with their `left` event, by the next heartbeat or leave on that ticket; the
viewers a caller is shown are always read against the expiry, swept or not."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bson import ObjectId

from app.auth.principal import User
from app.core.clock import utcnow
from app.core.db import Database
from app.events import record as events
from app.events.documents import SYSTEM, Actor, EventType, actor_of
from app.events.record import Session
from app.presence import queries
from app.presence.documents import EXPIRY, LEFT, PresenceDoc, State

Ticket = Mapping[str, Any]


async def _changed(
    db: Database, session: Session, ticket: Ticket, doc: PresenceDoc, state: str, actor: Actor
) -> None:
    data = {"agent_id": doc["agent_id"], "name": doc["name"], "state": state, "since": doc["since"]}
    await events.record(
        db,
        session,
        EventType.TICKET_PRESENCE,
        actor=actor,
        visibility="internal",
        data=data,
        ticket=ticket,
    )


async def _sweep(db: Database, session: Session, ticket: Ticket, now: datetime) -> None:
    for gone in await queries.expired_on(db, session, ticket["_id"], now):
        if await queries.remove_presence(db, session, gone):
            await _changed(db, session, ticket, {**gone, "since": now}, LEFT, SYSTEM)


async def beat(*, db: Database, ticket: Ticket, user: User, state: State) -> list[PresenceDoc]:
    """The caller is on the ticket, viewing or typing, for EXPIRY from now; answers the others
    on it."""
    now = utcnow()

    async def work(session: Session) -> None:
        await _sweep(db, session, ticket, now)
        before = await queries.find_presence(db, session, ticket["_id"], user.id)
        same = before is not None and before["expires_at"] > now and before["state"] == state
        doc = PresenceDoc(
            _id=before["_id"] if before else ObjectId(),
            ticket_id=ticket["_id"],
            agent_id=user.id,
            name=user.name,
            state=state,
            since=before["since"] if before and same else now,
            expires_at=now + EXPIRY,
        )
        await queries.save_presence(db, session, doc)
        if not same:
            await _changed(db, session, ticket, doc, state, actor_of(user))

    await events.in_transaction(db, work)
    return await viewers(db=db, ticket_id=ticket["_id"], besides=user.id)


async def leave(*, db: Database, ticket: Ticket, user: User) -> None:
    """The caller is no longer on the ticket (a `left` event if they were)."""
    now = utcnow()

    async def work(session: Session) -> None:
        await _sweep(db, session, ticket, now)
        here = await queries.find_presence(db, session, ticket["_id"], user.id)
        if here is not None and await queries.remove_presence(db, session, here):
            await _changed(db, session, ticket, {**here, "since": now}, LEFT, actor_of(user))

    await events.in_transaction(db, work)


async def viewers(*, db: Database, ticket_id: ObjectId, besides: ObjectId) -> list[PresenceDoc]:
    """Who is on the ticket now, by arrival, but `besides` (the caller)."""
    found = await queries.present_on(db, ticket_id, utcnow())
    return [doc for doc in found if doc["agent_id"] != besides]
