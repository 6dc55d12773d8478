"""Issue 20, staff in customer views: one rule (app/tickets/policy.py) for tickets, replies,
attachments and events. A customer sees a staff member by id (as the reference shows
`agent_id`), and where a view names people by name and role too, as staff see them there;
never an email or an account state."""

from typing import Any

import httpx

from app.tickets.policy import PERSON_FIELDS
from tests.factories import Actor, Actors, assign, create_ticket


def person(actor: Actor) -> dict[str, str]:
    return {"id": actor.id, "name": actor.name, "role": actor.role}


async def worked_ticket(client: httpx.AsyncClient, actors: Actors) -> str:
    """A ticket the agent took, answered and attached a file to."""
    ticket = (await create_ticket(client, actors.customer))["id"]
    await assign(client, ticket, actors.agent)
    url = f"/api/support/tickets/{ticket}/"
    answer = await client.post(
        f"{url}replies/", json={"body": "on it"}, headers=actors.agent.headers
    )
    assert answer.status_code == 201
    upload = await client.post(
        f"{url}attachments/",
        files={"file": ("label.txt", b"return label", "text/plain")},
        headers=actors.agent.headers,
    )
    assert upload.status_code == 201
    return ticket


async def read(client: httpx.AsyncClient, path: str, actor: Actor) -> Any:
    response = await client.get(f"/api/support/tickets/{path}", headers=actor.headers)
    assert response.status_code == 200, response.text
    return response.json()


def no_account_details(body: Any, actors: Actors) -> None:
    text = str(body)
    assert actors.agent.email not in text and "is_approved" not in text
    assert "is_active" not in text


class TestStaffInCustomerViews:
    async def test_ticket_shows_the_agent_by_id(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        ticket = await worked_ticket(client, actors)
        for body in (
            (await read(client, f"{ticket}/", actors.customer))["ticket"],
            (await read(client, "", actors.customer))["tickets"][0],
        ):
            assert body["agent_id"] == actors.agent.id
            no_account_details(body, actors)

    async def test_reply_author(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await worked_ticket(client, actors)
        seen = {
            who: (await read(client, f"{ticket}/replies/", actor))["replies"][0]["author"]
            for who, actor in (("customer", actors.customer), ("staff", actors.admin))
        }
        assert seen["customer"] == seen["staff"] == person(actors.agent)
        assert tuple(seen["customer"]) == PERSON_FIELDS

    async def test_attachment_uploader(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await worked_ticket(client, actors)
        seen = {
            who: (await read(client, f"{ticket}/attachments/", actor))["attachments"][0][
                "uploaded_by"
            ]
            for who, actor in (("customer", actors.customer), ("staff", actors.admin))
        }
        assert seen["customer"] == seen["staff"] == person(actors.agent)
        assert tuple(seen["customer"]) == PERSON_FIELDS

    async def test_event_actor(self, client: httpx.AsyncClient, actors: Actors) -> None:
        ticket = await worked_ticket(client, actors)

        def replies(events: list[Any]) -> list[Any]:
            return [e["actor"] for e in events if e["type"] == "reply.created"]

        as_customer = replies((await read(client, f"{ticket}/events/", actors.customer))["events"])
        as_staff = replies((await read(client, f"{ticket}/events/", actors.admin))["events"])
        feed = await client.get("/api/events/?limit=100", headers=actors.customer.headers)
        in_feed = replies(feed.json()["events"])
        expected = {"type": "user", "id": actors.agent.id, "role": actors.agent.role}
        assert as_customer == as_staff == in_feed == [expected]
        assert set(expected) - {"type"} <= set(PERSON_FIELDS)
        no_account_details(feed.json(), actors)
