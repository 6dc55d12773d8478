"""The figures of a report, computed from the tickets, reopenings and resolutions a period
concerns: pure, so each is checked against values worked out by hand (tests/reports).

Every figure but CSAT counts tickets as they are stored now, one function each below with its
definition. "Resolved in the period" is one set throughout: tickets whose resolution stands
(`resolved_at`, cleared by a reopening) and falls in [start, end); the resolution time and its
SLA attainment are figures of that set. CSAT counts resolutions instead (each has its survey,
app/tickets/surveys.py, and at most one rating): those in [start, end), with the agent,
category and priority of that moment, whoever holds the ticket and whatever it is now; a
ticket resolved twice in the period counts twice, and a rating stays counted after a reopening.
"""

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

Ticket = Mapping[str, Any]
# A resolution (reports/surveys.py): `resolved_at`, the `agent_id`, `category` and `priority`
# of that moment, `sent` (its survey's link was mailed) and `rating` (None: not rated).
Resolution = Mapping[str, Any]


def _minutes(seconds: Iterable[float]) -> dict[str, float | int | None]:
    values = sorted(seconds)
    if not values:
        return {"count": 0, "median_minutes": None, "p90_minutes": None}
    p90 = values[math.ceil(0.9 * len(values)) - 1]
    return {
        "count": len(values),
        "median_minutes": round(statistics.median(values) / 60, 1),
        "p90_minutes": round(p90 / 60, 1),
    }


def _percent(met: int, total: int) -> float | None:
    return round(100 * met / total, 1) if total else None


def _in(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def created(tickets: Iterable[Ticket], start: datetime, end: datetime) -> list[Ticket]:
    """Tickets created in [start, end)."""
    return [t for t in tickets if _in(t["created_at"], start, end)]


def resolved(tickets: Iterable[Ticket], start: datetime, end: datetime) -> list[Ticket]:
    """Tickets whose standing resolution is in [start, end): a resolution undone by a
    reopening is not counted (the reopening is, in `reopened`). Closed tickets keep theirs."""
    return [t for t in tickets if _in(t.get("resolved_at"), start, end)]


def closed(tickets: Iterable[Ticket], start: datetime, end: datetime) -> list[Ticket]:
    """Tickets closed in [start, end) (Closed is final)."""
    return [t for t in tickets if _in(t.get("closed_at"), start, end)]


def backlog(tickets: Iterable[Ticket], end: datetime) -> list[Ticket]:
    """Tickets created before `end` and neither resolved nor closed by then; a ticket resolved
    before `end` and reopened since counts (its resolution no longer stands)."""
    return [
        t
        for t in tickets
        if t["created_at"] < end
        and (t.get("resolved_at") is None or t["resolved_at"] >= end)
        and (t.get("closed_at") is None or t["closed_at"] >= end)
    ]


def first_response(created_in_period: Iterable[Ticket]) -> dict[str, float | int | None]:
    """Of the tickets created in the period, those with a first staff reply: creation to that
    reply (wall-clock), median and p90 (nearest rank) in minutes."""
    return _minutes(
        (t["first_response_at"] - t["created_at"]).total_seconds()
        for t in created_in_period
        if t.get("first_response_at") is not None
    )


def resolution(resolved_in_period: Iterable[Ticket]) -> dict[str, float | int | None]:
    """Of the tickets resolved in the period: creation to resolution (wall-clock), median and
    p90 (nearest rank) in minutes."""
    return _minutes(
        (t["resolved_at"] - t["created_at"]).total_seconds() for t in resolved_in_period
    )


def first_response_sla(created_in_period: Iterable[Ticket], as_of: datetime) -> tuple[int, int]:
    """(met, counted): of the tickets created in the period, those whose first-response
    deadline is past at `as_of` or already met; met is replied by the deadline."""
    due = [
        t
        for t in created_in_period
        if t.get("first_response_due_at") is not None
        and (t.get("first_response_at") is not None or t["first_response_due_at"] <= as_of)
    ]
    met = [
        t
        for t in due
        if t.get("first_response_at") is not None
        and t["first_response_at"] <= t["first_response_due_at"]
    ]
    return len(met), len(due)


def resolution_sla(resolved_in_period: Iterable[Ticket]) -> tuple[int, int]:
    """(met, counted): of the tickets resolved in the period, those with a resolution
    deadline; met is resolved by it and never recorded as breached."""
    due = [t for t in resolved_in_period if t.get("resolution_due_at") is not None]
    met = [
        t
        for t in due
        if t["resolved_at"] <= t["resolution_due_at"]
        and "resolution" not in t.get("sla_breached", [])
    ]
    return len(met), len(due)


def surveys_answered(resolutions_in_period: Iterable[Resolution]) -> tuple[int, int]:
    """(answered, sent): of the resolutions in the period, the surveys whose link was mailed,
    and of those the ones rated (by the link or `feedback/`)."""
    sent = [r for r in resolutions_in_period if r["sent"]]
    return sum(1 for r in sent if r["rating"] is not None), len(sent)


def csat(resolutions_in_period: Iterable[Resolution]) -> dict[str, Any]:
    """The ratings (1-5) of the resolutions in the period, one per resolution, whenever given
    (a resolution undone by a reopening keeps its rating): how many, their average and
    distribution; the response rate is the surveys answered over the surveys sent
    (`surveys_answered`), so a rating given without a mailed survey counts in the ratings
    but not in the rate."""
    resolutions = list(resolutions_in_period)
    given = [r["rating"] for r in resolutions if r["rating"] is not None]
    spread = Counter(given)
    answered, sent = surveys_answered(resolutions)
    return {
        "responses": len(given),
        "average": round(statistics.fmean(given), 2) if given else None,
        "distribution": {str(r): spread.get(r, 0) for r in range(1, 6)},
        "response_rate_percent": _percent(answered, sent),
    }


def figures(
    *,
    start: datetime,
    end: datetime,
    as_of: datetime,
    tickets: Iterable[Ticket],
    reopenings: int,
    resolutions: Iterable[Resolution],
) -> dict[str, Any]:
    """The figures of one group. `tickets`: every ticket of the group that the period may
    concern (created, resolved or closed in it, or open at its end); `reopenings`: how many
    times its tickets were reopened in the period; `resolutions`: the group's resolutions (those
    in the period count); `as_of`: the earlier of `end` and now, for deadlines not yet due."""
    tickets = list(tickets)
    created_ = created(tickets, start, end)
    resolved_ = resolved(tickets, start, end)
    first_met, first_counted = first_response_sla(created_, as_of)
    resolution_met, resolution_counted = resolution_sla(resolved_)
    return {
        "created": len(created_),
        "resolved": len(resolved_),
        "closed": len(closed(tickets, start, end)),
        "reopened": reopenings,
        "backlog": len(backlog(tickets, end)),
        "first_response": first_response(created_),
        "resolution": resolution(resolved_),
        "sla": {
            "first_response_met_percent": _percent(first_met, first_counted),
            "first_response_counted": first_counted,
            "resolution_met_percent": _percent(resolution_met, resolution_counted),
            "resolution_counted": resolution_counted,
        },
        "csat": csat(r for r in resolutions if _in(r["resolved_at"], start, end)),
    }
