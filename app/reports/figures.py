"""The figures of a report, computed from the tickets, reopenings and feedback of a period:
pure, so each is checked against values worked out by hand (tests/reports).

- created / resolved / closed / reopened: what happened in [start, end);
- backlog: tickets created before `end` and neither resolved nor closed by then (a ticket
  resolved before `end` and reopened after it counts as backlog: the stored resolved_at is
  cleared by the reopening);
- first response time: tickets created in the period with a first staff reply; resolution
  time: tickets resolved in the period, creation to resolution (wall-clock time);
- median and p90 (nearest rank), in minutes;
- SLA attainment: first response, over tickets created in the period whose deadline is past
  or met (met: replied by the deadline); resolution, over tickets resolved in the period
  (met: resolved by the deadline, never breached);
- CSAT: feedback given in the period, its average and distribution; response rate =
  feedback / tickets resolved in the period.
"""

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

Ticket = Mapping[str, Any]


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


def figures(
    *,
    start: datetime,
    end: datetime,
    as_of: datetime,
    tickets: Iterable[Ticket],
    reopenings: int,
    feedback: Iterable[Mapping[str, Any]],
) -> dict[str, Any]:
    """The figures of one group. `tickets`: every ticket of the group that the period may
    concern (created, resolved or closed in it, or open at its end); `as_of`: the earlier
    of `end` and now, for deadlines not yet due."""
    tickets = list(tickets)
    created = [t for t in tickets if _in(t["created_at"], start, end)]
    resolved = [t for t in tickets if _in(t.get("resolved_at"), start, end)]
    closed = [t for t in tickets if _in(t.get("closed_at"), start, end)]
    backlog = [
        t
        for t in tickets
        if t["created_at"] < end
        and (t.get("resolved_at") is None or t["resolved_at"] >= end)
        and (t.get("closed_at") is None or t["closed_at"] >= end)
    ]
    first_due = [
        t
        for t in created
        if t.get("first_response_due_at") is not None
        and (t.get("first_response_at") is not None or t["first_response_due_at"] <= as_of)
    ]
    first_met = [
        t
        for t in first_due
        if t.get("first_response_at") is not None
        and t["first_response_at"] <= t["first_response_due_at"]
    ]
    resolution_due = [t for t in resolved if t.get("resolution_due_at") is not None]
    resolution_met = [
        t
        for t in resolution_due
        if t["resolved_at"] <= t["resolution_due_at"]
        and "resolution" not in t.get("sla_breached", [])
    ]
    ratings = [int(f["rating"]) for f in feedback]
    spread = Counter(ratings)
    return {
        "created": len(created),
        "resolved": len(resolved),
        "closed": len(closed),
        "reopened": reopenings,
        "backlog": len(backlog),
        "first_response": _minutes(
            (t["first_response_at"] - t["created_at"]).total_seconds()
            for t in created
            if t.get("first_response_at") is not None
        ),
        "resolution": _minutes(
            (t["resolved_at"] - t["created_at"]).total_seconds() for t in resolved
        ),
        "sla": {
            "first_response_met_percent": _percent(len(first_met), len(first_due)),
            "first_response_counted": len(first_due),
            "resolution_met_percent": _percent(len(resolution_met), len(resolution_due)),
            "resolution_counted": len(resolution_due),
        },
        "csat": {
            "responses": len(ratings),
            "average": round(statistics.fmean(ratings), 2) if ratings else None,
            "distribution": {str(r): spread.get(r, 0) for r in range(1, 6)},
            "response_rate_percent": _percent(len(ratings), len(resolved)),
        },
    }
