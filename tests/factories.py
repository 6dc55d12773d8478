"""Test data, made one way: users and tickets through the app's own constructors
(`new_user`, `new_ticket`) or through the API, and callers with tokens."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import httpx
from bson import ObjectId

from app.auth.documents import Role, UserDoc, new_user
from app.auth.queries import users
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database
from app.core.security import encode_token, password_context
from app.tickets import queries as ticket_queries
from app.tickets.documents import Category, Priority, TicketDoc, TicketStatus, new_ticket
from app.tickets.sla import DEFAULT_POLICY, start_clock

PASSWORD = "correct-horse-battery"


@lru_cache(maxsize=1)
def password_hash() -> str:
    # Hashed once per run: argon2 is deliberately slow, and most tests only need a token.
    hashed: str = password_context.hash(PASSWORD)
    return hashed


@dataclass
class Actor:
    id: str
    email: str
    name: str
    role: str
    token: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Actors:
    customer: Actor
    other_customer: Actor
    agent: Actor
    other_agent: Actor
    pending_agent: Actor
    admin: Actor
    deactivated: Actor


def access_token(settings: Settings, user_id: str, role: str, minutes: float = 30) -> str:
    """An access token of a login of its own (no session record: nothing ever ends it)."""
    return encode_token(
        settings.jwt_key,
        user_id=user_id,
        role=role,
        token_type="access",
        ttl=timedelta(minutes=minutes),
        session=str(ObjectId()),
    ).token


async def make_user(
    db: Database,
    *,
    role: str = "user",
    approved: bool = True,
    active: bool = True,
    email: str | None = None,
    name: str | None = None,
) -> UserDoc:
    """A stored user of `role` (a Role value, or an unknown one to test failing closed)."""
    known = role in Role._value2member_map_
    doc = new_user(
        email=email or f"{role}-{uuid.uuid4().hex[:10]}@example.com",
        name=name or f"{role.title()} {uuid.uuid4().hex[:4]}",
        role=Role(role) if known else Role.CUSTOMER,
        password_hash=password_hash(),
        approved=approved if role == Role.AGENT else True,
        active=active,
    )
    if not known:
        doc["role"] = role
    await users(db).insert_one(doc)
    return doc


async def make_actor(db: Database, settings: Settings, **user: Any) -> Actor:
    doc = await make_user(db, **user)
    token = access_token(settings, str(doc["_id"]), doc["role"])
    return Actor(
        id=str(doc["_id"]),
        email=doc["email"],
        name=doc["name"],
        role=doc["role"],
        token=token,
        headers={"Authorization": f"Bearer {token}"},
    )


async def make_actors(db: Database, settings: Settings) -> Actors:
    """Every kind of caller the authorization rules distinguish."""
    return Actors(
        customer=await make_actor(db, settings, role="user"),
        other_customer=await make_actor(db, settings, role="user"),
        agent=await make_actor(db, settings, role="support_agent"),
        other_agent=await make_actor(db, settings, role="support_agent"),
        pending_agent=await make_actor(db, settings, role="support_agent", approved=False),
        admin=await make_actor(db, settings, role="admin"),
        deactivated=await make_actor(db, settings, role="user", active=False),
    )


def a_ticket(
    customer: Actor,
    *,
    status: str = "Open",
    agent: Actor | None = None,
    subject: str = "Package arrived damaged",
    description: str = "The item inside was broken due to improper packaging",
    category: str = "Damaged",
    priority: str = "Medium",
    delivery_id: str | None = None,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
    sla: bool = True,
) -> TicketDoc:
    """A ticket in any state, made by the constructor (no workflow walk), with the default
    SLA policy's deadlines unless `sla=False`; not stored (store_ticket, store_tickets)."""
    created_at = created_at or utcnow()
    return new_ticket(
        customer_id=ObjectId(customer.id),
        subject=subject,
        description=description,
        category=Category(category),
        delivery_id=delivery_id,
        status=TicketStatus(status),
        priority=Priority(priority),
        agent_id=ObjectId(agent.id) if agent else None,
        created_at=created_at,
        updated_at=updated_at,
        clock=start_clock(DEFAULT_POLICY, priority=priority, created_at=created_at)
        if sla
        else None,
    )


async def store_ticket(db: Database, customer: Actor, **fields: Any) -> TicketDoc:
    """A ticket in any state (a_ticket's fields), stored."""
    ticket = a_ticket(customer, **fields)
    await ticket_queries.tickets(db).insert_one(ticket)
    return ticket


async def store_tickets(db: Database, tickets: list[TicketDoc]) -> list[TicketDoc]:
    """Many tickets (a_ticket's) stored in one command: a fixture's hundreds in a moment."""
    await ticket_queries.tickets(db).insert_many(tickets)
    return tickets


async def create_ticket(
    client: httpx.AsyncClient, customer: Actor, **fields: Any
) -> dict[str, Any]:
    """A ticket through the API, as a customer makes one."""
    body = {
        "subject": "Package arrived damaged",
        "description": "The item inside was broken due to improper packaging",
        "category": "Damaged",
        **fields,
    }
    response = await client.post(
        "/api/support/tickets/create/", json=body, headers=customer.headers
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()["ticket"]
    return ticket


async def assign(client: httpx.AsyncClient, ticket_id: str, agent: Actor) -> None:
    response = await client.post(
        f"/api/support/tickets/{ticket_id}/assign-self/", headers=agent.headers
    )
    assert response.status_code == 200, response.text


async def set_status(
    client: httpx.AsyncClient, ticket_id: str, actor: Actor, status: str, **extra: Any
) -> httpx.Response:
    return await client.put(
        f"/api/support/tickets/{ticket_id}/update-status/",
        json={"status": status, **extra},
        headers=actor.headers,
    )


async def resolved_ticket(client: httpx.AsyncClient, customer: Actor, agent: Actor) -> str:
    ticket_id = (await create_ticket(client, customer))["id"]
    await assign(client, ticket_id, agent)
    response = await set_status(client, ticket_id, agent, "Resolved")
    assert response.status_code == 200, response.text
    return ticket_id


async def ticket_events(
    db: Database, ticket_id: object, event_type: str | None = None
) -> list[dict[str, Any]]:
    """A ticket's stored events (its history), in commit order."""
    query: dict[str, Any] = {"ticket_id": ObjectId(str(ticket_id))}
    if event_type:
        query["type"] = event_type
    return await db.events.find(query).sort("seq", 1).to_list()


async def status_changes(db: Database, ticket_id: object) -> list[tuple[str, str]]:
    """A ticket's status transitions, from its events."""
    changes = await ticket_events(db, ticket_id, "ticket.status_changed")
    return [(e["data"]["from"], e["data"]["to"]) for e in changes]


def signup(email: str = "Ann@Example.com", **extra: object) -> dict[str, object]:
    """A valid sign-up body."""
    return {"email": email, "password": "password123", "name": "Ann", **extra}


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/login/", json={"email": email, "password": password})
