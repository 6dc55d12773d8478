"""Helpers shared by the tests: actors with tokens, and ticket set-up over HTTP."""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

import httpx
from bson import ObjectId
from passlib.context import CryptContext

from app.config import Settings
from app.db import Database
from app.models.common import utcnow
from app.security import encode_token

PASSWORD = "correct-horse-battery"


@lru_cache(maxsize=1)
def password_hash() -> str:
    # Hashed once per run: argon2 is deliberately slow, and most tests only need a token.
    hashed: str = CryptContext(schemes=["argon2"]).hash(PASSWORD)
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
    return encode_token(
        settings.jwt_key,
        user_id=user_id,
        role=role,
        token_type="access",
        ttl=timedelta(minutes=minutes),
    ).token


async def make_user(
    db: Database,
    *,
    role: str = "user",
    approved: bool = True,
    active: bool = True,
    email: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    now = utcnow()
    doc = {
        "_id": ObjectId(),
        "email": email or f"{role}-{uuid.uuid4().hex[:10]}@example.com",
        "name": name or f"{role.title()} {uuid.uuid4().hex[:4]}",
        "contact_number": None,
        "role": role,
        "password_hash": password_hash(),
        "is_active": active,
        "is_approved": approved if role == "support_agent" else True,
        "approved_at": None,
        "approved_by": None,
        "created_at": now,
        "updated_at": now,
    }
    await db.users.insert_one(doc)
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


async def create_ticket(
    client: httpx.AsyncClient, customer: Actor, **fields: Any
) -> dict[str, Any]:
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
