"""Who sees which events, as query filters (and the same rule checked on one event), the
reads of the timeline and the feed, and the sequencer's lease and checkpoint."""

import contextlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.change_stream import AsyncChangeStream
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, OperationFailure

from app.auth.documents import Role
from app.auth.policy import deny_unknown_role
from app.auth.principal import User
from app.core.db import SERVER_NOW_MS, Database
from app.core.pagination import FIRST_SPAN, Filter, Keyset, read_page
from app.events.documents import EventDoc

INDEXES = {
    "events": [
        # admins; sparse: pending events have no number yet (and a sparse index still
        # answers a range of `seq`, tests/system/test_db_contract.py)
        IndexModel([("seq", ASCENDING)], unique=True, sparse=True, name="events_by_seq"),
        IndexModel([("pending", ASCENDING)], sparse=True, name="events_pending"),
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


def matches(event: Mapping[str, Any], scopes: Sequence[Filter]) -> bool:
    """Whether `visible_to`'s equality filters let a caller see this event: the same rule,
    checked in memory (the live stream's fan-out)."""

    def field(path: str) -> Any:
        value: Any = event
        for part in path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value

    return any(all(field(k) == v for k, v in scope.items()) for scope in scopes)


async def events_after_seq(db: Database, seq: int, *, limit: int) -> list[EventDoc]:
    return await events(db).find({"seq": {"$gt": seq}}).sort("seq", 1).limit(limit).to_list()


async def retire_old_indexes(db: Database) -> None:
    """The unique index on `seq` became sparse under another name (pending events have none)."""
    if "events_in_order" in await events(db).index_information():
        await events(db).drop_index("events_in_order")


# The sequencer's lease, fence and checkpoint: one document (the old event counter's). Its
# `seq` is the last number given, `resume_token` where the outbox's change stream goes on.
CHECKPOINT = {"_id": "events"}


class LostLease(Exception):
    """Another sequencer holds the lease now (this one's fence is stale)."""


async def latest_seq(db: Database) -> int:
    """The last event's number, from the sequencer's checkpoint: one read by `_id`, not a
    sort of the events (tests/system/test_db_contract.py)."""
    counter = await db.counters.find_one(CHECKPOINT, {"seq": 1})
    return int(counter["seq"]) if counter else 0


async def take_lease(db: Database, owner: str, seconds: float) -> int | None:
    """The lease when it is free or expired, with a new fence. Lease times are the database
    server's, whatever the instances' clocks say; the fence keeps a stalled holder out."""
    with contextlib.suppress(DuplicateKeyError):  # another instance made it just now
        await db.counters.update_one(CHECKPOINT, {"$setOnInsert": {"seq": 0}}, upsert=True)
    expired = {"$lte": [{"$toLong": {"$ifNull": ["$lease_until", 0]}}, SERVER_NOW_MS]}
    taken = await db.counters.find_one_and_update(
        {**CHECKPOINT, "$expr": expired},
        [{"$set": {"fence": {"$add": [{"$ifNull": ["$fence", 0]}, 1]}, **_held(owner, seconds)}}],
        projection={"fence": 1},
        return_document=True,
    )
    return int(taken["fence"]) if taken else None


def _held(owner: str, seconds: float) -> dict[str, Any]:
    return {
        "holder": {"$literal": owner},
        "lease_until": {"$add": ["$$NOW", round(seconds * 1000)]},
    }


async def renew_lease(db: Database, owner: str, fence: int, seconds: float) -> None:
    renewed = await db.counters.update_one(
        {**CHECKPOINT, "fence": fence}, [{"$set": _held(owner, seconds)}]
    )
    if not renewed.matched_count:
        raise LostLease


async def release_lease(db: Database, fence: int) -> None:
    await db.counters.update_one(
        {**CHECKPOINT, "fence": fence}, {"$set": {"lease_until": datetime.min.replace(tzinfo=UTC)}}
    )


async def checkpoint(db: Database) -> tuple[int, Any]:
    """(the last number given, the resume token after the last numbered outbox entry)."""
    found = await db.counters.find_one(CHECKPOINT, {"seq": 1, "resume_token": 1})
    return (int(found.get("seq", 0)), found.get("resume_token")) if found else (0, None)


# An awaited read of a change stream may come back empty whenever the database moves on (a write
# anywhere, such as a rate-limit count); the next read of a stream whose last one brought
# nothing waits this long first, so such reads stay under 1 / QUIET_GAP_SECONDS a second per
# stream whatever the write rate, at the price of that much delay for a change arriving then.
QUIET_GAP_SECONDS = 0.01


async def watch_outbox(
    db: Database, resume_token: Any, *, wait_seconds: float
) -> AsyncChangeStream[Any] | None:
    """Pending events in commit order, after `resume_token` (None: from now); None when the
    token can no longer be resumed from."""
    try:
        return await events(db).watch(
            [{"$match": {"operationType": "insert"}}],
            resume_after=resume_token,
            max_await_time_ms=round(wait_seconds * 1000),
        )
    except OperationFailure:
        if resume_token is None:
            raise
        return None


async def watch_checkpoint(db: Database, *, wait_seconds: float) -> AsyncChangeStream[Any]:
    """The moments new events are numbered: each process learns of them here, once."""
    return await db.counters.watch(
        [
            {
                "$match": {
                    "documentKey._id": "events",
                    "updateDescription.updatedFields.seq": {"$exists": True},
                }
            }
        ],
        max_await_time_ms=round(wait_seconds * 1000),
    )


async def pending_ids(db: Database) -> list[ObjectId]:
    """Every pending event, oldest `_id` first: the order when no change stream can say the
    order of their commits."""
    found = await events(db).find({"pending": True}, {"_id": 1}).to_list()
    return sorted(doc["_id"] for doc in found)


async def still_pending(db: Database, ids: Sequence[ObjectId]) -> set[ObjectId]:
    found = await events(db).find({"_id": {"$in": list(ids)}}, {"pending": 1}).to_list()
    return {doc["_id"] for doc in found if doc.get("pending")}


class AlreadyNumbered(Exception):
    """Some event of a batch was numbered before (a backlog overlapping the change stream):
    the batch is undone, to be numbered again without them."""


async def number(
    db: Database,
    session: AsyncClientSession,
    *,
    fence: int,
    numbered: Sequence[tuple[ObjectId, int]],
    last_seq: int,
    resume_token: Any,
) -> None:
    """In the sequencer's transaction: the numbers (consecutive, in `numbered`'s order), and
    the checkpoint, if the fence holds. One update for the whole batch: each event finds its
    number by its place in the batch (an update per event costs the database twice as much,
    bench/numbering.py)."""
    if numbered:
        ids = [event_id for event_id, _ in numbered]
        first = numbered[0][1]
        assert [n for _, n in numbered] == list(range(first, first + len(ids)))
        result = await events(db).update_many(
            {"_id": {"$in": ids}, "pending": True},
            [
                {"$set": {"seq": {"$add": [first, {"$indexOfArray": [ids, "$_id"]}]}}},
                {"$unset": "pending"},
            ],
            session=session,
        )
        if result.modified_count != len(ids):
            raise AlreadyNumbered
    moved = await db.counters.update_one(
        {**CHECKPOINT, "fence": fence},
        {"$set": {"seq": last_seq, "resume_token": resume_token}},
        session=session,
    )
    if not moved.matched_count:
        raise LostLease
