"""Issue 4: `python -m app seed-demo` data is usable through the API at once."""

import httpx

from app.core.db import Database
from app.demo import DEMO_PASSWORD, seed_demo
from app.tickets.documents import TicketStatus


async def test_seed_demo_fills_every_status_with_notes_and_feedback(
    db: Database, client: httpx.AsyncClient
) -> None:
    progress: list[int] = []
    summary = await seed_demo(
        db=db,
        customers=6,
        agents=2,
        tickets=1500,
        progress=lambda done, total: progress.append(done),
    )
    assert progress == [1000, 1500]  # batches
    assert summary.tickets == 1500 and summary.notes > 0 and summary.feedback > 0
    statuses = set(await db.tickets.distinct("status"))
    assert statuses == {s.value for s in TicketStatus}
    assert await db.tickets.count_documents({"status": "Open", "agent_id": {"$ne": None}}) == 0
    # Their history too: every ticket's creation, and the assignment of every assigned one.
    assert await db.events.count_documents({"type": "ticket.created"}) == 1500
    assigned = await db.tickets.count_documents({"agent_id": {"$ne": None}})
    assert await db.events.count_documents({"type": "ticket.assigned"}) == assigned
    seqs = [e["seq"] for e in await db.events.find({}, {"seq": 1}).to_list()]
    assert len(set(seqs)) == len(seqs)

    login = await client.post(
        "/api/auth/login/", json={"email": summary.customers[0], "password": DEMO_PASSWORD}
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    tickets = (await client.get("/api/support/tickets/?limit=100", headers=headers)).json()[
        "tickets"
    ]
    assert tickets and tickets == sorted(tickets, key=lambda t: t["created_at"], reverse=True)

    again = await seed_demo(db=db, customers=6, agents=2, tickets=10)  # accounts are reused
    assert await db.users.count_documents({"email": {"$in": again.customers}}) == 6
