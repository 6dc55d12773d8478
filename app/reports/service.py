"""Reports: what the support lead asks every day, computed per request from the tickets
(with their reopenings) the period concerns, each read as an indexed range, and its
resolutions with their ratings (surveys.py) (docs/sla-and-reports.md argues this against
roll-ups, with the timings). The figures themselves, and their definitions, are in figures.py."""

import asyncio
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Literal

from bson import ObjectId

from app.auth import queries as user_queries
from app.auth.policy import ensure_admin, ensure_approved_agent
from app.auth.principal import User
from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import FieldError
from app.faq import suggestions
from app.reports import surveys
from app.reports.figures import Resolution, figures
from app.tickets import queries as ticket_queries
from app.tickets.documents import timestamp
from app.tickets.workflow import UNFINISHED_STATUSES

GroupBy = Literal["agent", "category", "priority", "day"]
MAX_PERIOD = timedelta(days=366)
FIELDS = (
    "agent_id",
    "category",
    "priority",
    "status",
    "created_at",
    "resolved_at",
    "closed_at",
    "first_response_at",
    "first_response_due_at",
    "resolution_due_at",
    "sla_breached",
    "reopened_at",
    "resolution_cycle",
    "suggestion_session",
)
PROJECTION = dict.fromkeys(FIELDS, 1)
Doc = Mapping[str, Any]


async def _read(
    db: Database, start: datetime, end: datetime
) -> tuple[dict[ObjectId, Doc], list[Doc], list[Resolution]]:
    """The tickets the period may concern (created in it; resolved or closed since its start;
    unfinished now: the backlog's candidates), its reopenings, and its resolutions with their
    ratings (whenever given: figures.csat)."""
    tickets = ticket_queries.tickets(db)
    older = {"$lt": timestamp(start)}  # tickets created in the period are in `created`

    def older_since(field: str) -> Any:
        # The index range of `field`, then the creation time checked on what it holds: one
        # range a query (two ranges in one find are not an index scan on every server).
        return tickets.aggregate(
            [
                {"$match": {field: {"$gte": start}}},
                {"$match": {"order_key": older}},
                {"$project": PROJECTION},
            ]
        )

    created, resolved_since, closed_since, *unfinished = await asyncio.gather(
        tickets.find(
            {"order_key": {"$gte": timestamp(start), "$lt": timestamp(end)}}, PROJECTION
        ).to_list(),
        (await older_since("resolved_at")).to_list(),
        (await older_since("closed_at")).to_list(),
        *(
            tickets.find({"status": status, "order_key": older}, PROJECTION).to_list()
            for status in sorted(UNFINISHED_STATUSES)
        ),
    )
    by_id: dict[ObjectId, Doc] = {
        t["_id"]: t for batch in (created, resolved_since, closed_since, *unfinished) for t in batch
    }
    # A ticket reopened in the period is unfinished now, or resolved or closed since: read.
    reopenings: list[Doc] = [
        {"ticket_id": t["_id"], "occurred_at": moment}
        for t in by_id.values()
        for moment in t.get("reopened_at", [])
        if start <= moment < end
    ]
    resolutions = await surveys.resolutions(db=db, start=start, end=end, tickets=by_id)
    return by_id, reopenings, resolutions


def _group_key(group_by: GroupBy) -> Callable[[Doc], str]:
    """The group of a ticket as stored, or of a resolution by its snapshot (same fields)."""
    match group_by:
        case "agent":
            return lambda t: str(t["agent_id"]) if t.get("agent_id") else "unassigned"
        case "category" | "priority":
            return lambda t: str(t[group_by])
        case "day":  # pragma: no cover - days are not keyed by ticket
            raise AssertionError(group_by)


def _days(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    spans = []
    while day < end:
        spans.append((max(day, start), min(day + timedelta(days=1), end)))
        day += timedelta(days=1)
    return spans


def _compute(
    start: datetime,
    end: datetime,
    group_by: GroupBy | None,
    tickets: dict[ObjectId, Doc],
    reopenings: list[Doc],
    resolutions: list[Resolution],
    now: datetime,
) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    def of(
        s: datetime, e: datetime, group: Iterable[Doc], reopened: list[Doc], rated: list[Doc]
    ) -> dict[str, Any]:
        return figures(
            start=s,
            end=e,
            as_of=min(e, now),
            tickets=group,
            reopenings=sum(1 for r in reopened if s <= r["occurred_at"] < e),
            resolutions=rated,
        )

    totals = of(start, end, tickets.values(), reopenings, resolutions)
    if group_by is None:
        return totals, []
    if group_by == "day":
        return totals, _by_day(start, end, tickets, reopenings, resolutions, of)
    key = _group_key(group_by)
    groups: dict[str, list[Doc]] = defaultdict(list)
    for t in tickets.values():
        groups[key(t)].append(t)
    reopened_by: dict[str, list[Doc]] = defaultdict(list)
    for r in reopenings:
        if r["ticket_id"] in tickets:
            reopened_by[key(tickets[r["ticket_id"]])].append(r)
    # CSAT by the resolution's snapshot: a rating counts for the agent (category, priority)
    # of the resolution rated, whoever holds the ticket now; a group may have only ratings.
    rated_by: dict[str, list[Doc]] = defaultdict(list)
    for resolution in resolutions:
        rated_by[key(resolution)].append(resolution)
    return totals, [
        (name, of(start, end, groups[name], reopened_by[name], rated_by[name]))
        for name in sorted(groups.keys() | rated_by.keys())
    ]


def _by_day(
    start: datetime,
    end: datetime,
    tickets: dict[ObjectId, Doc],
    reopenings: list[Doc],
    resolutions: list[Resolution],
    of: Callable[..., dict[str, Any]],
) -> list[tuple[str, dict[str, Any]]]:
    """Each day's figures from that day's tickets only (created, resolved or closed in it);
    the backlog at each day's end by counting: created before it, minus finished before it
    (a ticket is finished at its first of resolved_at, closed_at)."""
    touched: dict[date, list[Doc]] = defaultdict(list)
    for t in tickets.values():
        days = {t[f].date() for f in ("created_at", "resolved_at", "closed_at") if t.get(f)}
        for day in days:
            touched[day].append(t)
    created = sorted(t["created_at"] for t in tickets.values())
    finished = sorted(
        min(d for d in (t.get("resolved_at"), t.get("closed_at")) if d is not None)
        for t in tickets.values()
        if t.get("resolved_at") or t.get("closed_at")
    )
    rows = []
    for s, e in _days(start, end):
        figs = of(s, e, touched[s.date()], reopenings, resolutions)
        figs["backlog"] = bisect_left(created, e) - bisect_left(finished, e)
        rows.append((s.date().isoformat(), figs))
    return rows


def period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or utcnow()
    start = start or end - timedelta(days=30)
    if start >= end:
        raise FieldError("from", "from must be before to.")
    if end - start > MAX_PERIOD:
        raise FieldError("from", "A report covers at most 366 days.")
    return start, end


async def overview(
    *,
    db: Database,
    admin: User,
    start: datetime | None,
    end: datetime | None,
    group_by: GroupBy | None,
) -> dict[str, Any]:
    ensure_admin(admin)
    start, end = period(start, end)
    tickets, reopenings, resolutions = await _read(db, start, end)
    # Off the event loop: tens of thousands of tickets are a noticeable computation.
    totals, groups = await asyncio.to_thread(
        _compute, start, end, group_by, tickets, reopenings, resolutions, utcnow()
    )
    labels: dict[str, str] = {}
    if group_by == "agent":
        ids = {ObjectId(k) for k, _ in groups if k != "unassigned"}
        labels = {str(i): name for i, name in (await user_queries.names_by_id(db, ids)).items()}
    sessions = [
        t["suggestion_session"]
        for t in tickets.values()
        if t.get("suggestion_session") and start <= t["created_at"] < end
    ]
    deflection = await suggestions.deflection(db=db, start=start, end=end, ticket_sessions=sessions)
    return {
        "from": start,
        "to": end,
        "group_by": group_by,
        "totals": totals,
        "groups": [{"key": k, "label": labels.get(k, k), **figs} for k, figs in groups],
        "deflection": deflection,
        "surveys": surveys.survey_figures(
            resolutions, _group_key(group_by) if group_by in surveys.SURVEY_GROUPS else None
        ),
    }


async def agent_stats(*, db: Database, agent: User) -> dict[str, Any]:
    """The calling agent's figures (the tickets they hold, and the ratings of the resolutions
    that were theirs), last 7 and 30 days."""
    ensure_approved_agent(agent)
    now = utcnow()
    tickets, reopenings, resolutions = await _read(db, now - timedelta(days=30), now)
    mine = {i: t for i, t in tickets.items() if t.get("agent_id") == agent.id}
    reopened = [r for r in reopenings if r["ticket_id"] in mine]
    rated = [r for r in resolutions if r["agent_id"] == agent.id]
    windows = {}
    for name, days in (("last_7_days", 7), ("last_30_days", 30)):
        start = now - timedelta(days=days)
        totals, _ = await asyncio.to_thread(_compute, start, now, None, mine, reopened, rated, now)
        windows[name] = {"from": start, "to": now, **totals}
    return {"agent_id": agent.id, **windows}
