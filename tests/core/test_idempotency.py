"""Issue 14, idempotent POSTs: the same Idempotency-Key and body replay the stored answer
without a second write; another body is 422; concurrent retries make exactly one ticket."""

import asyncio
from datetime import UTC, datetime
from unittest.mock import ANY

import httpx
from fastapi import FastAPI

from app.core.db import Database
from tests.conftest import Clock
from tests.factories import Actors, assign, create_ticket, login

TICKET = {"subject": "Broken", "description": "Crushed box", "category": "Damaged"}
CREATE = "/api/support/tickets/create/"


def keyed(actor_headers: dict[str, str], key: str) -> dict[str, str]:
    return {**actor_headers, "Idempotency-Key": key}


async def test_a_retry_replays_without_a_second_ticket(
    client: httpx.AsyncClient, db: Database, actors: Actors
) -> None:
    first = await client.post(CREATE, json=TICKET, headers=keyed(actors.customer.headers, "k1"))
    again = await client.post(CREATE, json=TICKET, headers=keyed(actors.customer.headers, "k1"))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await db.tickets.count_documents({}) == 1


async def test_another_body_with_the_key_is_422(client: httpx.AsyncClient, actors: Actors) -> None:
    await client.post(CREATE, json=TICKET, headers=keyed(actors.customer.headers, "k2"))
    other = await client.post(
        CREATE, json={**TICKET, "subject": "Else"}, headers=keyed(actors.customer.headers, "k2")
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


async def test_keys_are_per_caller(client: httpx.AsyncClient, db: Database, actors: Actors) -> None:
    for who in (actors.customer, actors.other_customer):
        response = await client.post(CREATE, json=TICKET, headers=keyed(who.headers, "same"))
        assert response.status_code == 201 and "idempotent-replayed" not in response.headers
    assert await db.tickets.count_documents({}) == 2


async def test_concurrent_retries_make_exactly_one_ticket(
    client: httpx.AsyncClient, db: Database, actors: Actors
) -> None:
    answers = await asyncio.wait_for(
        asyncio.gather(
            *(
                client.post(CREATE, json=TICKET, headers=keyed(actors.customer.headers, "race"))
                for _ in range(8)
            )
        ),
        timeout=30,
    )
    statuses = sorted(a.status_code for a in answers)
    assert await db.tickets.count_documents({}) == 1
    assert set(statuses) <= {201, 409} and statuses.count(201) >= 1
    assert all(
        a.json()["code"] == "idempotency_key_in_flight" for a in answers if a.status_code == 409
    )


async def test_replies_notes_feedback_and_sign_ups_too(
    app: FastAPI, client: httpx.AsyncClient, db: Database, actors: Actors
) -> None:
    ticket = (await create_ticket(client, actors.customer))["id"]
    await assign(client, ticket, actors.agent)
    base = f"/api/support/tickets/{ticket}"
    for path, body, who, collection in (
        (f"{base}/replies/", {"body": "hi"}, actors.customer, "ticket_replies"),
        (f"{base}/add-note/", {"note": "n"}, actors.agent, "ticket_notes"),
    ):
        for _ in range(2):
            response = await client.post(path, json=body, headers=keyed(who.headers, path))
            assert response.status_code == 201
        assert await db[collection].count_documents({}) == 1
    signup = {"email": "new@example.com", "password": "password123", "name": "New"}
    answers = [
        await client.post("/api/auth/register/", json=signup, headers={"Idempotency-Key": "s"})
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[1].headers["idempotent-replayed"] == "true"


class TestReplayNeedsACallerTheEndpointWouldAccept:
    """Issue 20, item 7: a stored answer is not for a token the endpoint would refuse."""

    async def test_logged_out_token_is_401_not_a_replay(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        pair = (await login(client, actors.customer.email)).json()
        headers = {"Authorization": f"Bearer {pair['access_token']}", "Idempotency-Key": "out"}
        assert (await client.post(CREATE, json=TICKET, headers=headers)).status_code == 201
        await client.post("/api/auth/logout/", json={"refresh_token": pair["refresh_token"]})
        replay = await client.post(CREATE, json=TICKET, headers=headers)
        assert replay.status_code == 401
        assert "idempotent-replayed" not in replay.headers
        assert replay.json() == {"error": "This login has ended; sign in again", "code": ANY}
        assert replay.headers["www-authenticate"] == "Bearer"

    async def test_deactivated_user_is_401_not_a_replay(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        headers = keyed(actors.customer.headers, "gone")
        assert (await client.post(CREATE, json=TICKET, headers=headers)).status_code == 201
        await client.post(
            f"/api/admin/users/{actors.customer.id}/deactivate/", headers=actors.admin.headers
        )
        replay = await client.post(CREATE, json=TICKET, headers=headers)
        assert replay.status_code == 401
        assert "idempotent-replayed" not in replay.headers


class TestTakingOverTheClaimOfARequestThatDied:
    """A claim still in flight past its lease is taken over by exactly one retry, however
    many arrive at once (on as many instances): the takeover is conditional on the claim it
    saw. The lease is on the database server's clock, so the dead claim is made by hand."""

    async def dead_claim(self, client: httpx.AsyncClient, db: Database, actors: Actors) -> None:
        headers = keyed(actors.customer.headers, "died")
        assert (await client.post(CREATE, json=TICKET, headers=headers)).status_code == 201
        await db.tickets.delete_many({})  # the request died before writing anything
        await db.idempotency_keys.update_many(
            {}, {"$set": {"state": "in_flight", "lease_until": datetime(2000, 1, 1, tzinfo=UTC)}}
        )

    async def test_simultaneous_takeovers_run_the_request_once(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        await self.dead_claim(client, db, actors)
        headers = keyed(actors.customer.headers, "died")
        answers = await asyncio.wait_for(
            asyncio.gather(*(client.post(CREATE, json=TICKET, headers=headers) for _ in range(8))),
            timeout=30,
        )
        assert await db.tickets.count_documents({}) == 1
        assert sorted(a.status_code for a in answers).count(201) >= 1
        assert {a.status_code for a in answers} <= {201, 409}

    async def test_a_live_claim_is_not_taken_over_whatever_the_process_clock_says(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        await self.dead_claim(client, db, actors)
        await db.idempotency_keys.update_many(
            {}, {"$set": {"lease_until": datetime(2100, 1, 1, tzinfo=UTC)}}
        )
        clock.set(datetime(2101, 1, 1, tzinfo=UTC))  # this instance's clock runs far ahead
        again = await client.post(
            CREATE, json=TICKET, headers=keyed(actors.customer.headers, "died")
        )
        assert again.status_code == 409
        assert await db.tickets.count_documents({}) == 0
