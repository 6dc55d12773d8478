"""Issue 23: the staff lists' `tag=` filter reads through an index on the tags (multikey) in
every sort and scope: the tickets with the tag, never a walk of the sort's index checking
each ticket's tags."""

import random
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.clock import utcnow
from app.core.config import Settings
from tests.factories import a_ticket, make_actors, store_tickets
from tests.system.conftest import CommandRecorder
from tests.system.test_query_plans import explain, plan_stages

TICKETS = 200
TAGGED = TICKETS // 10  # "vip"; half of them also "refund"


def index_names(plan: dict[str, Any]) -> set[str]:
    names = {plan["indexName"]} if "indexName" in plan else set()
    for key in ("inputStage", "queryPlan"):
        if key in plan:
            names |= index_names(plan[key])
    for child in plan.get("inputStages", []):
        names |= index_names(child)
    return names


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("-created_at", ""),
        ("-updated_at", "_by_updated_key"),
        ("due_at", "_by_due_key"),
        ("-priority", "_by_priority_key"),
    ],
)
@pytest.mark.parametrize(
    ("path", "who", "index"),
    [
        ("/api/admin/support/tickets/", "admin", "tickets_by_tag"),
        ("/api/agent/tickets/", "agent", "tickets_of_agent_by_tag"),
    ],
)
async def test_the_tag_filter_is_planned_on_a_tags_index(
    recorded: tuple[FastAPI, httpx.AsyncClient, CommandRecorder],
    settings: Settings,
    sort: str,
    key: str,
    path: str,
    who: str,
    index: str,
) -> None:
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    rng = random.Random(23)
    tickets = []
    for n in range(TICKETS):
        ticket = a_ticket(
            actors.customer,
            status=rng.choice(["Open", "In Progress", "Resolved"]),
            priority=rng.choice(["High", "Medium", "Low"]),
            agent=rng.choice([actors.agent, None]),
            created_at=utcnow() - timedelta(hours=rng.randint(0, 200), milliseconds=n),
        )
        if n % 10 == 0:
            ticket["tags"] = ["vip", "refund"] if n % 20 == 0 else ["vip"]
        tickets.append(ticket)
    await store_tickets(db, tickets)
    caller = getattr(actors, who)
    recorder.commands.clear()
    response = await client.get(
        path,
        params={"tag": ["vip", "refund"], "limit": "3", "sort": sort},
        headers=caller.headers,
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["tickets"]) == 3
    assert all(set(t["tags"]) == {"vip", "refund"} for t in response.json()["tickets"])
    finds = [c for name, c in recorder.commands if name == "find" and c["find"] == "tickets"]
    assert finds and all("tags" in c["filter"] for c in finds), finds
    for command in finds:
        explained = await explain(db, command, "executionStats")
        plan = explained["queryPlanner"]["winningPlan"]
        assert "COLLSCAN" not in plan_stages(plan), command
        assert index + key in index_names(plan), plan
        # the tickets with the tag, at most: not a walk of the sort's whole index
        assert explained["executionStats"]["totalDocsExamined"] <= TAGGED, explained
