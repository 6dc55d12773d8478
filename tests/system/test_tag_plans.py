"""Issue 23: the staff lists' `tag=` filter reads through the multikey tags index."""

import random
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from app.core.clock import utcnow
from app.core.config import Settings
from tests.factories import a_ticket, make_actors, store_tickets
from tests.system.conftest import CommandRecorder
from tests.system.test_query_plans import plan_stages


def index_names(plan: dict[str, Any]) -> set[str]:
    names = {plan["indexName"]} if "indexName" in plan else set()
    for key in ("inputStage", "queryPlan"):
        if key in plan:
            names |= index_names(plan[key])
    for child in plan.get("inputStages", []):
        names |= index_names(child)
    return names


async def test_the_tag_filter_is_planned_on_the_tags_index(
    recorded: tuple[FastAPI, httpx.AsyncClient, CommandRecorder], settings: Settings
) -> None:
    application, client, recorder = recorded
    db = application.state.db
    actors = await make_actors(db, settings)
    rng = random.Random(23)
    tickets = []
    for n in range(200):
        ticket = a_ticket(
            actors.customer,
            status=rng.choice(["Open", "In Progress", "Resolved"]),
            agent=rng.choice([actors.agent, None]),
            created_at=utcnow() - timedelta(hours=rng.randint(0, 200), milliseconds=n),
        )
        if n % 10 == 0:
            tags = ["vip", "refund"] if n % 20 == 0 else ["vip"]
            ticket["tags"] = tags
        tickets.append(ticket)
    await store_tickets(db, tickets)
    recorder.commands.clear()
    response = await client.get(
        "/api/admin/support/tickets/",
        params={"tag": ["vip", "refund"], "limit": "5"},
        headers=actors.admin.headers,
    )
    assert response.status_code == 200
    assert len(response.json()["tickets"]) == 5
    assert all(set(t["tags"]) == {"vip", "refund"} for t in response.json()["tickets"])
    finds = [c for name, c in recorder.commands if name == "find" and c["find"] == "tickets"]
    tagged = [c for c in finds if "tags" in str(c.get("filter"))]
    assert tagged, finds
    for command in tagged:
        shape = {
            k: v
            for k, v in command.items()
            if not k.startswith("$") and k not in {"lsid", "txnNumber"}
        }
        explained = await db.command({"explain": shape, "verbosity": "queryPlanner"})
        plan = explained["queryPlanner"]["winningPlan"]
        assert "COLLSCAN" not in plan_stages(plan), shape
        assert "tickets_by_tag" in index_names(plan), plan
