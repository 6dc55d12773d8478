"""Realistic demo data: customers, approved agents, tickets in every status with notes and
feedback. Inserted in batches; `python -m app seed-demo` drives it."""

import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bson import ObjectId
from pymongo.errors import BulkWriteError

from app.db import Database, Document
from app.models.common import utcnow
from app.models.enums import Category, Priority, Role, TicketStatus
from app.security import hash_password
from app.services.tickets import order_key

DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed to the user; demo accounts only
BATCH = 1000

_FIRST = [
    "Asha",
    "Ben",
    "Chen",
    "Diego",
    "Elif",
    "Farah",
    "Goran",
    "Hana",
    "Ivan",
    "Jonas",
    "Kemi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
]
_LAST = [
    "Adeyemi",
    "Berg",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Patel",
    "Rossi",
    "Silva",
]
_SUBJECTS = {
    Category.DAMAGED: [
        "Package arrived damaged",
        "Box crushed, item broken",
        "Screen cracked on arrival",
    ],
    Category.LOST: [
        "Package never arrived",
        "Tracking says delivered but nothing here",
        "Parcel lost in transit",
    ],
    Category.LATE: [
        "Delivery is three days late",
        "Still waiting for my order",
        "Missed the promised date",
    ],
    Category.QUALITY: [
        "Item does not match description",
        "Stopped working after a week",
        "Wrong size sent",
    ],
    Category.OTHER: [
        "Question about my invoice",
        "Change delivery address",
        "How do I return an item?",
    ],
}
_NOTES = [
    "Asked the customer for photos.",
    "Contacted the carrier about the trace.",
    "Replacement approved.",
    "Refund issued to the original payment method.",
    "Waiting for the warehouse to confirm stock.",
]
_STATUS_WEIGHTS = {
    TicketStatus.OPEN: 25,
    TicketStatus.IN_PROGRESS: 25,
    TicketStatus.ON_HOLD: 10,
    TicketStatus.RESOLVED: 25,
    TicketStatus.CLOSED: 15,
}


@dataclass
class DemoSummary:
    customers: list[str]
    agents: list[str]
    tickets: int
    notes: int
    feedback: int


async def _insert_users(
    db: Database, emails: list[str], role: Role, password_hash: str, rng: random.Random
) -> list[ObjectId]:
    now = utcnow()
    docs = [
        {
            "email": email,
            "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            "contact_number": f"+1 555 {rng.randint(1000000, 9999999)}",
            "role": role.value,
            "password_hash": password_hash,
            "is_active": True,
            "is_approved": True,
            "approved_at": now if role == Role.AGENT else None,
            "approved_by": None,
            "created_at": now,
            "updated_at": now,
        }
        for email in emails
    ]
    for start in range(0, len(docs), BATCH):
        # Seeded before: those accounts are reused.
        with contextlib.suppress(BulkWriteError):
            await db.users.insert_many(docs[start : start + BATCH], ordered=False)
    found = await db.users.find({"email": {"$in": emails}}, {"_id": 1}).to_list()
    return [u["_id"] for u in found]


async def seed_demo(
    db: Database,
    *,
    customers: int,
    agents: int,
    tickets: int,
    seed: int = 7,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> DemoSummary:
    rng = random.Random(seed)
    password_hash = await hash_password(DEMO_PASSWORD)
    customer_emails = [f"customer{i}@demo.example" for i in range(1, customers + 1)]
    agent_emails = [f"agent{i}@demo.example" for i in range(1, agents + 1)]
    customer_ids = await _insert_users(db, customer_emails, Role.CUSTOMER, password_hash, rng)
    agent_ids = await _insert_users(db, agent_emails, Role.AGENT, password_hash, rng)

    now = utcnow()
    statuses, weights = list(_STATUS_WEIGHTS), list(_STATUS_WEIGHTS.values())
    done = notes_total = feedback_total = 0
    while done < tickets:
        batch_tickets: list[Document] = []
        batch_notes: list[Document] = []
        batch_feedback: list[Document] = []
        for _ in range(min(BATCH, tickets - done)):
            created = now - timedelta(
                minutes=rng.randint(0, 90 * 24 * 60), milliseconds=rng.randint(0, 999)
            )
            created = created.replace(microsecond=created.microsecond // 1000 * 1000)
            status = rng.choices(statuses, weights)[0]
            category = rng.choice(list(Category))
            agent = None if status == TicketStatus.OPEN or not agent_ids else rng.choice(agent_ids)
            updated = created + timedelta(hours=rng.randint(0, 72))
            ticket_id = ObjectId()
            batch_tickets.append(
                {
                    "_id": ticket_id,
                    "customer_id": rng.choice(customer_ids),
                    "agent_id": agent,
                    "subject": rng.choice(_SUBJECTS[category]),
                    "description": "Order placed last month. "
                    + rng.choice(_SUBJECTS[category])
                    + ".",
                    "category": category.value,
                    "delivery_id": f"DLV-{rng.randint(100000, 999999)}",
                    "status": status.value,
                    "priority": rng.choice(list(Priority)).value,
                    "created_at": created,
                    "updated_at": updated,
                    "resolved_at": updated
                    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
                    else None,
                    "closed_at": updated if status == TicketStatus.CLOSED else None,
                    "status_history": [],
                    "order_key": order_key(created, ticket_id),
                }
            )
            if agent is not None:
                for n in range(rng.randint(0, 3)):
                    batch_notes.append(
                        {
                            "ticket_id": ticket_id,
                            "agent_id": agent,
                            "note": rng.choice(_NOTES),
                            "created_at": created + timedelta(hours=n + 1),
                        }
                    )
            if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and rng.random() < 0.7:
                batch_feedback.append(
                    {
                        "ticket_id": ticket_id,
                        "customer_id": batch_tickets[-1]["customer_id"],
                        "agent_id": agent,
                        "rating": rng.randint(1, 5),
                        "comment": "Thanks for the help.",
                        "created_at": updated,
                    }
                )
        await db.tickets.insert_many(batch_tickets, ordered=False)
        if batch_notes:
            await db.ticket_notes.insert_many(batch_notes, ordered=False)
        if batch_feedback:
            await db.feedback.insert_many(batch_feedback, ordered=False)
        done += len(batch_tickets)
        notes_total += len(batch_notes)
        feedback_total += len(batch_feedback)
        progress(done, tickets)
    return DemoSummary(customer_emails, agent_emails, done, notes_total, feedback_total)
