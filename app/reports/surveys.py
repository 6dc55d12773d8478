"""The satisfaction surveys of the resolutions in a period (app/tickets/surveys.py): how many
were sent (their link mailed), how many of those were answered, and the ratings, grouped by
the agent and category of the resolution (the survey's snapshot), not by who holds the ticket
now."""

from collections import defaultdict
from datetime import datetime
from typing import Any

from app.core.db import Database
from app.tickets import queries as ticket_queries

SNAPSHOT_GROUPS = {"agent": "agent_id", "category": "category"}


def _figures(rows: list[tuple[dict[str, Any], int | None]]) -> dict[str, Any]:
    sent = [rating for survey, rating in rows if survey.get("token_hash")]
    answered = [rating for rating in sent if rating is not None]
    ratings = [rating for _, rating in rows if rating is not None]
    return {
        "sent": len(sent),
        "answered": len(answered),
        "response_rate_percent": round(100 * len(answered) / len(sent), 1) if sent else None,
        "rated": len(ratings),
        "average": round(sum(ratings) / len(ratings), 2) if ratings else None,
    }


async def survey_figures(
    *, db: Database, start: datetime, end: datetime, group_by: str | None
) -> dict[str, Any]:
    surveys = (
        await ticket_queries.surveys(db)
        .find(
            {"resolved_at": {"$gte": start, "$lt": end}},
            {"ticket_id": 1, "cycle": 1, "agent_id": 1, "category": 1, "token_hash": 1},
        )
        .to_list()
    )
    ratings: dict[tuple[Any, Any], int] = {}
    if surveys:
        rated = ticket_queries.feedback(db).find(
            {"ticket_id": {"$in": list({s["ticket_id"] for s in surveys})}},
            {"ticket_id": 1, "cycle": 1, "rating": 1},
        )
        ratings = {(f["ticket_id"], f.get("cycle")): int(f["rating"]) async for f in rated}
    rows = [(s, ratings.get((s["ticket_id"], s["cycle"]))) for s in surveys]
    field = SNAPSHOT_GROUPS.get(group_by or "")
    groups: dict[str, list[tuple[dict[str, Any], int | None]]] = defaultdict(list)
    if field:
        for survey, rating in rows:
            groups[str(survey.get(field) or "unassigned")].append((survey, rating))
    return {
        **_figures(rows),
        "groups": [{"key": key, **_figures(group)} for key, group in sorted(groups.items())],
    }
