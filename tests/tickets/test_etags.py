"""Issue 14, optimistic concurrency: ticket responses carry an ETag that every change bumps;
update-status, reassign and replies honour If-Match (412), detail If-None-Match (304)."""

import asyncio

import httpx

from tests.factories import Actors, assign, create_ticket


async def test_etag_changes_with_every_change(client: httpx.AsyncClient, actors: Actors) -> None:
    ticket = (await create_ticket(client, actors.customer))["id"]
    url = f"/api/support/tickets/{ticket}/"
    first = (await client.get(url, headers=actors.admin.headers)).headers["etag"]
    await assign(client, ticket, actors.agent)
    second = (await client.get(url, headers=actors.admin.headers)).headers["etag"]
    await client.post(f"{url}add-note/", json={"note": "n"}, headers=actors.agent.headers)
    third = (await client.get(url, headers=actors.admin.headers)).headers["etag"]
    assert len({first, second, third}) == 3


async def test_if_none_match_is_304(client: httpx.AsyncClient, actors: Actors) -> None:
    ticket = (await create_ticket(client, actors.customer))["id"]
    url = f"/api/support/tickets/{ticket}/"
    tag = (await client.get(url, headers=actors.customer.headers)).headers["etag"]
    same = await client.get(url, headers={**actors.customer.headers, "If-None-Match": tag})
    assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", tag)
    await client.post(f"{url}replies/", json={"body": "hello"}, headers=actors.customer.headers)
    changed = await client.get(url, headers={**actors.customer.headers, "If-None-Match": tag})
    assert changed.status_code == 200


async def test_if_match_refuses_a_stale_write(client: httpx.AsyncClient, actors: Actors) -> None:
    ticket = (await create_ticket(client, actors.customer))["id"]
    url = f"/api/support/tickets/{ticket}/"
    await assign(client, ticket, actors.agent)
    tag = (await client.get(url, headers=actors.agent.headers)).headers["etag"]
    held = await client.put(
        f"{url}update-status/",
        json={"status": "On Hold"},
        headers={**actors.agent.headers, "If-Match": tag},
    )
    assert held.status_code == 200 and held.headers["etag"] != tag
    for method, path, body, who in (
        ("PUT", "update-status/", {"status": "In Progress"}, actors.agent),
        ("POST", "replies/", {"body": "late"}, actors.agent),
        ("POST", "reassign/", {"agent_id": actors.other_agent.id}, actors.admin),
    ):
        stale = await client.request(
            method, f"{url}{path}", json=body, headers={**who.headers, "If-Match": tag}
        )
        assert stale.status_code == 412, (path, stale.text)
        assert stale.json()["code"] == "precondition_failed"
    fresh = await client.put(
        f"{url}update-status/",
        json={"status": "In Progress"},
        headers={**actors.agent.headers, "If-Match": held.headers["etag"]},
    )
    assert fresh.status_code == 200


async def test_of_simultaneous_writes_with_one_etag_at_most_one_is_kept(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    ticket = (await create_ticket(client, actors.customer))["id"]
    url = f"/api/support/tickets/{ticket}/"
    await assign(client, ticket, actors.agent)
    tag = (await client.get(url, headers=actors.agent.headers)).headers["etag"]
    answers = await asyncio.wait_for(
        asyncio.gather(
            *(
                client.put(
                    f"{url}update-status/",
                    json={"priority": priority},
                    headers={**actors.agent.headers, "If-Match": tag},
                )
                for priority in ("High", "Low", "High", "Low", "High", "Low")
            )
        ),
        timeout=30,
    )
    assert sorted(a.status_code for a in answers).count(200) == 1, [a.text for a in answers]
