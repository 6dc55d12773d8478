"""Who sees which events, as query filters, and the reads of the timeline and the feed."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from app.auth.documents import Role
from app.auth.policy import deny_unknown_role
from app.auth.principal import User
from app.core.db import Database
from app.core.pagination import FIRST_SPAN, Filter, Keyset, read_page
from app.events.documents import EventDoc

INDEXES = {
    "events": [
        IndexModel([("seq", ASCENDING)], unique=True, name="events_in_order"),  # admins
        IndexModel([("ticket_id", ASCENDING), ("seq", ASCENDING)], name="timeline"),
        IndexModel(
            [("audience.customer_id", ASCENDING), ("visibility", ASCENDING), ("seq", ASCENDING)],
            name="events_of_customer",
        ),
        IndexModel([("audience.agent_id", ASCENDING), ("seq", ASCENDING)], name="events_of_agent"),
        IndexModel(
            [("audience.queue", ASCENDING), ("visibility", ASCENDING), ("seq", ASCENDING)],
            name="events_of_queue",
        ),
        # one type of event in a period (reports' reopenings)
        IndexModel(
            [("type", ASCENDING), ("occurred_at", ASCENDING)], name="events_of_type_by_time"
        ),
    ],
    "stream_tokens": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
}


def _sequence(position: str) -> int | None:
    return int(position) if position.isdigit() and len(position) < 19 else None


# Windows of sequence numbers: the pagination's spans of time, FIRST_SPAN to 512 events.
EVENTS_PER_FIRST_SPAN = 512


def _seq_edge(position: int | None, span: timedelta, own: Filter) -> int | None:
    """The window of sequence numbers from a position, none past a billion."""
    start = position if position is not None else int(own.get("$gt") or own.get("$gte") or 0)
    width = max(1, round(span / FIRST_SPAN * EVENTS_PER_FIRST_SPAN))
    return start + width if width < 10**9 else None


def _seq_distance(start: int | None, seq: int) -> timedelta:
    return FIRST_SPAN * (seq - (start or 0)) / EVENTS_PER_FIRST_SPAN


IN_ORDER = Keyset(
    "seq", descending=False, parse=_sequence, first=0, edge=_seq_edge, distance=_seq_distance
)


def events(db: Database) -> AsyncCollection[EventDoc]:
    return cast(AsyncCollection[EventDoc], db.events)


def visible_to(user: User) -> list[Filter]:
    """The events a caller may see, as filters whose union is the answer: an admin all; an
    approved agent those of tickets assigned to them and the public ones of the unassigned
    queue; a customer the public events of their own tickets."""
    match user.role:
        case Role.ADMIN:
            return [{}]
        case Role.AGENT:
            if not user.is_approved:
                return []
            return [
                {"audience.agent_id": user.id},
                {"audience.queue": True, "visibility": "public"},
            ]
        case Role.CUSTOMER:
            return [{"audience.customer_id": user.id, "visibility": "public"}]
        case unknown:
            deny_unknown_role(unknown)


async def page(
    db: Database,
    scopes: Sequence[Filter],
    *,
    types: Sequence[str] | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[EventDoc], str | None]:
    narrowed: list[Filter] = [
        {**scope, "type": {"$in": list(types)}} if types else dict(scope) for scope in scopes
    ]
    return await read_page(events(db), narrowed, keyset=IN_ORDER, limit=limit, cursor=cursor)


async def timeline(
    db: Database, ticket_id: ObjectId, *, public_only: bool, limit: int, cursor: str | None
) -> tuple[list[EventDoc], str | None]:
    scope: dict[str, Any] = {"ticket_id": ticket_id}
    if public_only:
        scope["visibility"] = "public"
    return await read_page(events(db), [scope], keyset=IN_ORDER, limit=limit, cursor=cursor)


async def latest_seq(db: Database) -> int:
    """The last event's number, from the counter its transaction incremented: one read by
    `_id`, not a sort of the events (tests/system/test_db_contract.py)."""
    counter = await db.counters.find_one({"_id": "events"}, {"seq": 1})
    return int(counter["seq"]) if counter else 0
