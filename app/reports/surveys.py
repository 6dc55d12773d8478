"""The resolutions of a period with their ratings, what CSAT counts (figures.csat), and the
report's `surveys` block: the same figures with the surveys sent and answered.

A resolution is its survey (app/tickets/surveys.py: one per resolution cycle, with the agent,
category and priority of that moment) and the rating of that cycle, given by the link or by
`feedback/` (one stored feedback either way). A ticket resolved before surveys existed (no
`resolution_cycle`) has neither: its standing resolution counts, as the ticket is stored, with
the rating given then (no cycle), never sent."""

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bson import ObjectId

from app.core.db import Database, find_in
from app.reports.figures import Resolution, csat, resolved, surveys_answered
from app.tickets import queries as ticket_queries

SNAPSHOT = ("agent_id", "category", "priority")
# The `surveys` block's groups (the other groupings have theirs in each group's `csat`).
SURVEY_GROUPS = frozenset({"agent", "category"})


async def resolutions(
    *, db: Database, start: datetime, end: datetime, tickets: Mapping[ObjectId, Mapping[str, Any]]
) -> list[Resolution]:
    """The resolutions in [start, end); `tickets`: those the period concerns (reports/service.py
    reads them), for the resolutions from before surveys."""
    surveys = (
        await ticket_queries.surveys(db)
        .find(
            {"resolved_at": {"$gte": start, "$lt": end}},
            {
                "ticket_id": 1,
                "cycle": 1,
                "resolved_at": 1,
                "token_hash": 1,
                **dict.fromkeys(SNAPSHOT, 1),
            },
        )
        .to_list()
    )
    found: list[dict[str, Any]] = [
        {
            "ticket_id": s["ticket_id"],
            "cycle": s["cycle"],
            "resolved_at": s["resolved_at"],
            "sent": "token_hash" in s,
            # (a survey opened before it remembered the priority: the ticket's)
            **{f: s.get(f, tickets.get(s["ticket_id"], {}).get(f)) for f in SNAPSHOT},
        }
        for s in surveys
    ]
    found += [
        {
            "ticket_id": t["_id"],
            "cycle": None,
            "resolved_at": t["resolved_at"],
            "sent": False,
            **{f: t.get(f) for f in SNAPSHOT},
        }
        for t in resolved(tickets.values(), start, end)
        if "resolution_cycle" not in t
    ]
    ratings: dict[tuple[ObjectId, int | None], int] = {}
    if found:
        rated = await find_in(
            ticket_queries.feedback(db),
            "ticket_id",
            {r["ticket_id"] for r in found},
            projection={"ticket_id": 1, "cycle": 1, "rating": 1},
        )
        ratings = {(f["ticket_id"], f.get("cycle")): int(f["rating"]) for f in rated}
    return [{**r, "rating": ratings.get((r["ticket_id"], r["cycle"]))} for r in found]


def _figures(group: list[Resolution]) -> dict[str, Any]:
    satisfaction = csat(group)
    answered, sent = surveys_answered(group)
    return {
        "sent": sent,
        "answered": answered,
        "response_rate_percent": satisfaction["response_rate_percent"],
        "rated": satisfaction["responses"],
        "average": satisfaction["average"],
    }


def survey_figures(
    resolutions_in_period: list[Resolution], group_key: Callable[[Resolution], str] | None
) -> dict[str, Any]:
    """The `surveys` block: the period's CSAT (figures.csat) with the surveys sent and
    answered, grouped when `group_key` is given."""
    groups: dict[str, list[Resolution]] = defaultdict(list)
    if group_key:
        for resolution in resolutions_in_period:
            groups[group_key(resolution)].append(resolution)
    return {
        **_figures(resolutions_in_period),
        "groups": [{"key": key, **_figures(group)} for key, group in sorted(groups.items())],
    }
