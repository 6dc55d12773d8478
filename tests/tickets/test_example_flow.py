"""The reference's "Example Usage - Complete Flow", over HTTP, with real logins."""

import httpx

from tests.factories import PASSWORD, Actor


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post("/api/auth/login/", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_complete_flow(client: httpx.AsyncClient, admin: Actor) -> None:
    # Sign-ups: a customer, and an agent whom the admin approves.
    customer = {"email": "john@example.com", "password": "customer-pass-1", "name": "John Customer"}
    assert (await client.post("/api/auth/register/", json=customer)).status_code == 201
    agent = {"email": "agent@example.com", "password": "securepass123", "name": "John Agent"}
    registered = await client.post("/api/support/register-agent/", json=agent)
    agent_id = registered.json()["user"]["id"]
    admin_headers = await login(client, admin.email)
    assert (
        await client.post(f"/api/admin/approve-agent/{agent_id}/", headers=admin_headers)
    ).status_code == 200
    customer_headers = await login(client, customer["email"], customer["password"])
    agent_headers = await login(client, agent["email"], agent["password"])

    # 1. Customer creates a ticket.
    created = await client.post(
        "/api/support/tickets/create/",
        json={
            "subject": "Product damaged",
            "description": "Item arrived broken",
            "category": "Damaged",
        },
        headers=customer_headers,
    )
    assert created.status_code == 201
    ticket_id = created.json()["ticket"]["id"]

    # 2. Agent views available tickets.
    queue = await client.get("/api/agent/tickets/?status=Open", headers=agent_headers)
    assert ticket_id in [t["id"] for t in queue.json()["tickets"]]
    assert queue.json()["tickets"][0]["customer_name"] == "John Customer"

    # 3. Agent assigns to self.
    assigned = await client.post(
        f"/api/support/tickets/{ticket_id}/assign-self/", headers=agent_headers
    )
    assert assigned.status_code == 200
    assert assigned.json()["ticket"] == {
        "id": ticket_id,
        "status": "In Progress",
        "agent_id": agent_id,
    }
    note = await client.post(
        f"/api/support/tickets/{ticket_id}/add-note/",
        json={"note": "Replacement approved"},
        headers=agent_headers,
    )
    assert note.status_code == 201

    # 4. Agent updates status.
    updated = await client.put(
        f"/api/support/tickets/{ticket_id}/update-status/",
        json={"status": "Resolved", "priority": "High"},
        headers=agent_headers,
    )
    assert updated.status_code == 200

    # 5. Customer submits feedback.
    feedback = await client.post(
        f"/api/support/tickets/{ticket_id}/feedback/",
        json={"rating": "5", "comment": "Great support!"},
        headers=customer_headers,
    )
    assert feedback.status_code == 201
    assert feedback.json()["feedback"]["rating"] == "5"

    # The customer sees the outcome, without the internal note; the admin sees the names.
    mine = (await client.get("/api/support/tickets/", headers=customer_headers)).json()["tickets"]
    assert (
        mine[0]["status"] == "Resolved"
        and mine[0]["agent_id"] == agent_id
        and mine[0]["resolved_at"]
    )
    detail = await client.get(f"/api/support/tickets/{ticket_id}/", headers=customer_headers)
    assert "internal_notes" not in detail.json()
    overview = (await client.get("/api/admin/support/tickets/", headers=admin_headers)).json()[
        "tickets"
    ]
    assert (
        overview[0]["agent_name"] == "John Agent"
        and overview[0]["customer_name"] == "John Customer"
    )
