"""The ticket lists: a customer's own, an agent's queue, the admin's view. Each narrows the
caller's visible scopes (policy.visible_to) by the filters asked for, so a filter can only
take away, and reads one keyset page with the names it shows."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from bson import ObjectId

from app.auth import queries as user_queries
from app.auth.principal import User
from app.core.cursors import encode_cursor
from app.core.db import Database
from app.core.errors import FieldError
from app.core.pagination import Filter
from app.events import queries as event_queries
from app.events import service as event_service
from app.events.schemas import EventPageOut
from app.tickets import policy, queries, search, sla, sorts
from app.tickets.documents import Category, Priority, TicketDoc, TicketStatus, timestamp
from app.tickets.sla import SlaState

Page = tuple[list[TicketDoc], str | None]
NOBODY = ObjectId("0" * 24)  # an agent id no ticket has: filters that contradict each other
Sort = Literal["-created_at", "-updated_at", "due_at", "-priority"]


@dataclass(frozen=True)
class TicketFilters:
    """What a list asks for, all combinable (a filter can only take away)."""

    statuses: tuple[TicketStatus, ...] = ()
    category: Category | None = None
    priority: Priority | None = None
    agent_id: ObjectId | None = None
    customer_id: ObjectId | None = None
    unassigned: bool = False
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    sla: SlaState | None = None
    q: str | None = None
    tags: tuple[str, ...] = ()  # every one of them (staff lists)
    sort: Sort = "-created_at"

    def equalities(self) -> Filter:
        wanted: Filter = {
            field: value
            for field, value in (
                ("category", self.category.value if self.category else None),
                ("priority", self.priority.value if self.priority else None),
                ("agent_id", self.agent_id),
                ("customer_id", self.customer_id),
            )
            if value is not None
        }
        if self.unassigned:
            wanted["agent_id"] = None if self.agent_id is None else NOBODY
        return wanted


def _holds(ticket: Mapping[str, Any], equalities: Filter) -> bool:
    return all(ticket.get(field) == value for field, value in equalities.items())


def _matcher(
    scopes: list[Filter], filters: TicketFilters, terms: list[str], now: datetime, risk: timedelta
) -> Callable[[TicketDoc], bool]:
    """Everything asked, checked on each ticket read: its scope (never a ticket outside it,
    whatever the index read), the filters, the words, the SLA state as of `now`."""
    statuses = {s.value for s in filters.statuses}

    def matches(ticket: TicketDoc) -> bool:
        return (
            any(_holds(ticket, scope) for scope in scopes)
            and (not statuses or ticket["status"] in statuses)
            and (filters.created_after is None or ticket["created_at"] >= filters.created_after)
            and (filters.created_before is None or ticket["created_at"] < filters.created_before)
            and (filters.updated_after is None or ticket["updated_at"] >= filters.updated_after)
            and (filters.sla is None or sla.state(ticket, now, risk) == filters.sla)
            and search.holds_all(ticket.get("terms", ()), terms)
            and set(filters.tags) <= set(ticket.get("tags") or ())
        )

    return matches


def _index_queries(
    scope: Filter, filters: TicketFilters, terms: list[str], key: str
) -> list[Filter]:
    """The part of a scope's query an index holds (queries.ACCESS_PATHS, best path first): one
    query per asked status, no `$in` beside the key's range (tests/system/test_db_contract.py)."""
    have: Filter = dict(scope)
    if terms:
        have["terms"] = terms[0]
    if filters.tags:  # one tag on the index; the others are checked on the tickets read
        have["tags"] = filters.tags[0]
    statuses: list[str | None] = [s.value for s in filters.statuses] or [None]
    for path in queries.ACCESS_PATHS[key]:
        if all(field in have or (field == "status" and filters.statuses) for field in path):
            return [
                {field: status if field == "status" else have[field] for field in path}
                for status in (statuses if "status" in path else [None])
            ]
    raise AssertionError("the empty path always fits")  # pragma: no cover


async def list_tickets(
    *,
    db: Database,
    user: User,
    filters: TicketFilters,
    limit: int,
    cursor: str | None,
    now: datetime,
    at_risk: timedelta = timedelta(hours=1),
) -> Page:
    """One keyset page of the tickets the caller may see that match `filters`, the SLA
    filter judged as of `now` (the request's time, which its response shows too)."""
    scopes = policy.narrow(policy.visible_to(user), {**filters.equalities()})
    terms = search.query_terms(filters.q or "")
    if filters.q is not None and not terms:
        raise FieldError("q", "Enter at least one word to search for.")
    keyset = sorts.SORTS[filters.sort]
    key_range: Filter = {}
    if keyset.field == "order_key":  # the key starts with the creation time
        if filters.created_after is not None:
            key_range["$gte"] = timestamp(filters.created_after)
        if filters.created_before is not None:
            key_range["$lt"] = timestamp(filters.created_before)
    elif keyset.field == "updated_key" and filters.updated_after is not None:
        key_range["$gte"] = timestamp(filters.updated_after)
    reads = [q for scope in scopes for q in _index_queries(scope, filters, terms, keyset.field)]
    if keyset.field == "priority_key":  # each rank a range of its own, read in time windows
        reads = [{**q, "priority_key": rank} for q in reads for rank in sorts.PRIORITY_RANKS]
    return await queries.page_of_tickets(
        db,
        reads,
        limit=limit,
        cursor=cursor,
        keyset=keyset,
        key_range=key_range,
        matches=_matcher(scopes, filters, terms, now, at_risk),
        asked=repr((scopes, filters)),
    )


async def list_for_customer(
    *,
    db: Database,
    customer: User,
    filters: TicketFilters,
    limit: int,
    cursor: str | None,
    now: datetime,
) -> Page:
    return await list_tickets(
        db=db, user=customer, filters=filters, limit=limit, cursor=cursor, now=now
    )


async def list_queue_for_agent(
    *,
    db: Database,
    agent: User,
    filters: TicketFilters,
    assigned_to: Literal["me", "unassigned"] | None,
    limit: int,
    cursor: str | None,
    now: datetime,
    at_risk: timedelta,
) -> tuple[list[dict[str, Any]], str | None]:
    """The agent's own tickets plus the unassigned ones, each with its customer's name."""
    if assigned_to == "me":
        mine = filters.agent_id in (None, agent.id)
        filters = replace(filters, agent_id=agent.id if mine else NOBODY)
    elif assigned_to == "unassigned":
        filters = replace(filters, unassigned=True)
    page, next_cursor = await list_tickets(
        db=db, user=agent, filters=filters, limit=limit, cursor=cursor, now=now, at_risk=at_risk
    )
    names = await user_queries.names_by_id(db, {t["customer_id"] for t in page})
    return [{**t, "customer_name": names.get(t["customer_id"])} for t in page], next_cursor


async def list_all_for_admin(
    *,
    db: Database,
    admin: User,
    filters: TicketFilters,
    limit: int,
    cursor: str | None,
    now: datetime,
    at_risk: timedelta,
) -> tuple[list[dict[str, Any]], str | None]:
    """Every ticket the caller may see (an admin: all), with customer's and agent's names."""
    page, next_cursor = await list_tickets(
        db=db, user=admin, filters=filters, limit=limit, cursor=cursor, now=now, at_risk=at_risk
    )
    people = {t["customer_id"] for t in page} | {t["agent_id"] for t in page if t["agent_id"]}
    names = await user_queries.names_by_id(db, people)
    items = [
        {
            **t,
            "customer_name": names.get(t["customer_id"]),
            "agent_name": names.get(t["agent_id"]) if t["agent_id"] else None,
        }
        for t in page
    ]
    return items, next_cursor


async def read_timeline(
    *, db: Database, permit: policy.Permit, limit: int, cursor: str | None
) -> EventPageOut:
    """The ticket's events, oldest first; a customer sees the public ones only."""
    ticket = permit.ticket_for(policy.Action.VIEW)
    found, next_cursor = await event_queries.timeline(
        db,
        ticket["_id"],
        public_only=not permit.internal,
        limit=limit,
        cursor=encode_cursor(cursor) if cursor else None,  # an event id, as the feed takes
    )
    return event_service.page_out(found, next_cursor)
