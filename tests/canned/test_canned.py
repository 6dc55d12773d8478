"""Issue 23: canned responses, personal and shared, and their rendering for a ticket."""

import asyncio

import httpx
import pytest

from app.canned import service
from app.core.db import Database
from tests.factories import Actor, Actors, store_ticket

URL = "/api/agent/canned-responses/"
HELLO = {
    "title": "Hello",
    "body": "Hi {{ customer.name }}, {{ agent.name }} here.",
    "shortcut": "hi",
}


async def create(client: httpx.AsyncClient, who: Actor, **fields: object) -> dict[str, object]:
    response = await client.post(URL, json={**HELLO, **fields}, headers=who.headers)
    assert response.status_code == 201, response.text
    saved: dict[str, object] = response.json()["canned_response"]
    return saved


class TestCreate:
    async def test_a_personal_one_is_the_agents(
        self, client: httpx.AsyncClient, agent: Actor
    ) -> None:
        response = await client.post(URL, json=HELLO, headers=agent.headers)
        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Canned response created successfully"
        saved = body["canned_response"]
        assert set(saved) == {
            "id", "title", "body", "shortcut", "shared", "owner_id", "created_at", "updated_at"
        }  # fmt: skip
        assert saved["owner_id"] == agent.id and saved["shared"] is False

    async def test_only_admins_share(
        self, client: httpx.AsyncClient, agent: Actor, admin: Actor
    ) -> None:
        shared = {**HELLO, "shared": True}
        refused = await client.post(URL, json=shared, headers=agent.headers)
        assert refused.status_code == 403
        assert refused.json() == {"error": "Only admins can do this", "code": "permission_denied"}
        made = await create(client, admin, shared=True)
        assert made["shared"] is True and made["owner_id"] is None

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ("Hi {{ customer.email }}", "Only these variables can be used"),
            ("Hi {{ customer.name", "The template does not parse"),
            ("{% for x in y %}{% endfor %}", "Only text and {{ variables }} are allowed"),
            ("{{ agent.name | upper }}", "Unknown filter 'upper'"),
        ],
    )
    async def test_a_body_that_is_no_template_is_a_field_error(
        self, client: httpx.AsyncClient, agent: Actor, body: str, message: str
    ) -> None:
        response = await client.post(URL, json={**HELLO, "body": body}, headers=agent.headers)
        assert response.status_code == 400
        assert list(response.json()) == ["body"]
        assert response.json()["body"][0].startswith(message)

    @pytest.mark.parametrize(
        "fields",
        [{"title": ""}, {"title": "x" * 201}, {"shortcut": "Hi"}, {"shortcut": "a" * 33},
         {"shortcut": "a b"}, {"shared": "maybe"}, {"extra": 1}],
    )  # fmt: skip
    async def test_limits(
        self, client: httpx.AsyncClient, agent: Actor, fields: dict[str, object]
    ) -> None:
        response = await client.post(URL, json={**HELLO, **fields}, headers=agent.headers)
        assert response.status_code == 400
        assert list(response.json()) == list(fields)

    async def test_a_shortcut_is_unique_per_owner(
        self, client: httpx.AsyncClient, agent: Actor, actors: Actors
    ) -> None:
        await create(client, agent)
        again = await client.post(URL, json=HELLO, headers=agent.headers)
        assert again.status_code == 409
        assert again.json()["code"] == "canned_shortcut_taken"
        await create(client, actors.other_agent)  # another owner may use it
        await create(client, agent, shortcut=None)
        await create(client, agent, shortcut=None)  # no shortcut is no clash

    async def test_the_bound_holds_under_simultaneous_creates(
        self, client: httpx.AsyncClient, agent: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(service, "MAX_PER_OWNER", 3)
        await create(client, agent, shortcut=None)
        answers = await asyncio.gather(
            *(
                client.post(URL, json={**HELLO, "shortcut": None}, headers=agent.headers)
                for _ in range(6)
            )
        )
        assert sorted(a.status_code for a in answers) == [201, 201, 400, 400, 400, 400]
        assert {a.json().get("code") for a in answers if a.status_code == 400} == {
            "canned_response_limit_reached"
        }
        listed = (await client.get(URL, headers=agent.headers)).json()["canned_responses"]
        assert len(listed) == 3
        await client.delete(f"{URL}{listed[0]['id']}/", headers=agent.headers)
        await create(client, agent, shortcut=None)  # a delete gives the place back


class TestList:
    async def test_own_then_shared_each_by_title(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        await create(client, actors.agent, title="B mine", shortcut="b")
        await create(client, actors.agent, title="A mine", shortcut="a")
        await create(client, actors.other_agent, title="Not mine")
        await create(client, actors.admin, title="Shared", shared=True)
        listed = (await client.get(URL, headers=actors.agent.headers)).json()
        assert [c["title"] for c in listed["canned_responses"]] == ["A mine", "B mine", "Shared"]
        admin_sees = (await client.get(URL, headers=actors.admin.headers)).json()
        assert [c["title"] for c in admin_sees["canned_responses"]] == ["Shared"]

    async def test_refused_to_customers_pending_agents_and_anonymous(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        assert (await client.get(URL)).status_code == 401
        for caller in (actors.customer, actors.pending_agent):
            assert (await client.get(URL, headers=caller.headers)).status_code == 403


class TestOne:
    async def test_another_agents_personal_one_is_not_found(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        mine = await create(client, actors.agent)
        url = f"{URL}{mine['id']}/"
        assert (await client.get(url, headers=actors.agent.headers)).json()["body"] == HELLO["body"]
        for caller in (actors.other_agent, actors.admin):
            for method in ("GET", "PUT", "DELETE"):
                body = HELLO if method == "PUT" else None
                answer = await client.request(method, url, json=body, headers=caller.headers)
                assert answer.status_code == 404, (caller.role, method)
                assert answer.json() == {"error": "Canned response not found", "code": "not_found"}

    async def test_update_and_delete_by_the_owner(
        self, client: httpx.AsyncClient, agent: Actor
    ) -> None:
        mine = await create(client, agent)
        url = f"{URL}{mine['id']}/"
        changed = {
            "title": "Bye",
            "body": "Bye {{ customer.name | default('you') }}",
            "shortcut": None,
        }
        response = await client.put(url, json=changed, headers=agent.headers)
        assert response.status_code == 200
        assert response.json()["message"] == "Canned response updated successfully"
        saved = (await client.get(url, headers=agent.headers)).json()
        assert (saved["title"], saved["body"], saved["shortcut"]) == ("Bye", changed["body"], None)
        await create(client, agent)  # its old shortcut is free again
        bad = await client.put(url, json={**changed, "body": "{{ x }}"}, headers=agent.headers)
        assert bad.status_code == 400 and list(bad.json()) == ["body"]
        shared = await client.put(url, json={**changed, "shared": True}, headers=agent.headers)
        assert shared.status_code == 400 and list(shared.json()) == ["shared"]
        gone = await client.delete(url, headers=agent.headers)
        assert gone.json() == {"message": "Canned response deleted successfully"}
        assert (await client.get(url, headers=agent.headers)).status_code == 404

    async def test_shared_ones_are_seen_by_agents_and_changed_by_admins(
        self, client: httpx.AsyncClient, agent: Actor, admin: Actor
    ) -> None:
        shared = await create(client, admin, shared=True)
        url = f"{URL}{shared['id']}/"
        assert (await client.get(url, headers=agent.headers)).status_code == 200
        put = await client.put(url, json={**HELLO, "shared": True}, headers=agent.headers)
        assert put.status_code == 403
        assert (await client.delete(url, headers=agent.headers)).status_code == 403
        put = await client.put(
            url, json={**HELLO, "title": "T", "shared": True}, headers=admin.headers
        )
        assert put.status_code == 200
        assert (await client.delete(url, headers=admin.headers)).status_code == 200


class TestRender:
    async def test_fills_the_tickets_names(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        body = "Dear {{ customer.name }}, about #{{ ticket.id }} ({{ ticket.subject }}): {{ agent.name }}"
        mine = await create(client, actors.agent, body=body)
        url = f"/api/support/tickets/{ticket['_id']}/canned-responses/{mine['id']}/render/"
        response = await client.post(url, headers=actors.agent.headers)
        assert response.status_code == 200
        assert response.json() == {
            "body": f"Dear {actors.customer.name}, about #{ticket['_id']} "
            f"({ticket['subject']}): {actors.agent.name}"
        }

    async def test_only_who_may_work_on_the_ticket_with_one_they_may_see(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        shared = await create(client, actors.admin, shared=True, body="{{ agent.name }}")
        url = f"/api/support/tickets/{ticket['_id']}/canned-responses/{shared['id']}/render/"
        assert (await client.post(url, headers=actors.other_agent.headers)).status_code == 403
        assert (await client.post(url, headers=actors.customer.headers)).status_code == 403
        by_admin = await client.post(url, headers=actors.admin.headers)
        assert by_admin.json() == {"body": actors.admin.name}
        others = await create(client, actors.other_agent)
        url = f"/api/support/tickets/{ticket['_id']}/canned-responses/{others['id']}/render/"
        assert (await client.post(url, headers=actors.agent.headers)).status_code == 404
