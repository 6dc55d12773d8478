"""Realistic demo data: customers, approved agents, tickets in every status with notes and
feedback. Inserted in batches; `python -m app seed-demo` drives it."""

import contextlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo.errors import BulkWriteError

from app.auth.documents import Role, new_user
from app.auth.queries import users
from app.core.clock import utcnow
from app.core.db import Database
from app.core.security import PasswordHasher
from app.events import arrivals
from app.events.documents import EventType, audience_of
from app.tickets import queries as ticket_queries
from app.tickets.documents import (
    Category,
    FeedbackDoc,
    NoteDoc,
    Priority,
    TicketDoc,
    TicketStatus,
    missed_by,
    new_feedback,
    new_note,
    new_ticket,
)
from app.tickets.sla import DEFAULT_POLICY, start_clock

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


async def _record_history(db: Database, tickets: list[TicketDoc]) -> None:
    """Each demo ticket's events, as the API would have recorded them: created, then (when it
    has an agent) assigned, then its status; pending, for the sequencer to number as it
    numbers the API's (app/events/sequencer.py)."""
    drafts: list[tuple[EventType, str, Mapping[str, Any], dict[str, Any], bool]] = []
    for t in tickets:
        opened = {**t, "agent_id": None, "status": TicketStatus.OPEN.value}
        drafts.append(
            (EventType.TICKET_CREATED, "public", opened, {"subject": t["subject"]}, False)
        )
        if t["agent_id"] is not None:
            assigned = {"agent_id": t["agent_id"], "previous_agent_id": None}
            drafts.append((EventType.TICKET_ASSIGNED, "internal", t, assigned, True))
            if t["status"] != TicketStatus.IN_PROGRESS:
                change = {"from": TicketStatus.IN_PROGRESS.value, "to": t["status"]}
                drafts.append((EventType.TICKET_STATUS_CHANGED, "public", t, change, True))
    ids = [ObjectId() for _ in drafts]
    docs = [
        {
            "_id": event_id,
            "pending": True,
            "type": kind.value,
            "occurred_at": t["updated_at"] if by_agent else t["created_at"],
            "actor": (
                {"type": "user", "id": t["agent_id"], "role": Role.AGENT.value}
                if by_agent
                else {"type": "user", "id": t["customer_id"], "role": Role.CUSTOMER.value}
            ),
            "ticket_id": t["_id"],
            "visibility": visibility,
            "data": {k: str(v) if isinstance(v, ObjectId) else v for k, v in data.items()},
            "audience": audience_of(ticket),
        }
        for event_id, (kind, visibility, ticket, data, by_agent) in zip(ids, drafts, strict=True)
    ]
    await db.events.insert_many(docs, ordered=False)
    await arrivals.wait_numbered(db, ids, within=60)  # thousands: a few batches


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
        new_user(
            email=email,
            name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            role=role,
            password_hash=password_hash,
            contact_number=f"+1 555 {rng.randint(1000000, 9999999)}",
            approved=True,
            now=now,
        )
        for email in emails
    ]
    for start in range(0, len(docs), BATCH):
        # Seeded before: those accounts are reused.
        with contextlib.suppress(BulkWriteError):
            await users(db).insert_many(docs[start : start + BATCH], ordered=False)
    found = await db.users.find({"email": {"$in": emails}}, {"_id": 1}).to_list()
    return [u["_id"] for u in found]


async def seed_demo(
    *,
    db: Database,
    customers: int,
    agents: int,
    tickets: int,
    seed: int = 7,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> DemoSummary:
    rng = random.Random(seed)
    password_hash = await PasswordHasher(concurrency=1, wait_seconds=60).hash(DEMO_PASSWORD)
    customer_emails = [f"customer{i}@demo.example" for i in range(1, customers + 1)]
    agent_emails = [f"agent{i}@demo.example" for i in range(1, agents + 1)]
    customer_ids = await _insert_users(db, customer_emails, Role.CUSTOMER, password_hash, rng)
    agent_ids = await _insert_users(db, agent_emails, Role.AGENT, password_hash, rng)

    now = utcnow()
    statuses, weights = list(_STATUS_WEIGHTS), list(_STATUS_WEIGHTS.values())
    done = notes_total = feedback_total = 0
    while done < tickets:
        batch_tickets: list[TicketDoc] = []
        batch_notes: list[NoteDoc] = []
        batch_feedback: list[FeedbackDoc] = []
        for _ in range(min(BATCH, tickets - done)):
            created = now - timedelta(
                minutes=rng.randint(0, 90 * 24 * 60), milliseconds=rng.randint(0, 999)
            )
            created = created.replace(microsecond=created.microsecond // 1000 * 1000)
            status = rng.choices(statuses, weights)[0]
            category = rng.choice(list(Category))
            priority = rng.choice(list(Priority))
            agent = None if status == TicketStatus.OPEN or not agent_ids else rng.choice(agent_ids)
            ticket = new_ticket(
                customer_id=rng.choice(customer_ids),
                subject=rng.choice(_SUBJECTS[category]),
                description="Order placed last month. " + rng.choice(_SUBJECTS[category]) + ".",
                category=category,
                delivery_id=f"DLV-{rng.randint(100000, 999999)}",
                status=status,
                priority=priority,
                agent_id=agent,
                created_at=created,
                updated_at=created + timedelta(hours=rng.randint(0, 72)),
                clock=start_clock(DEFAULT_POLICY, priority=priority.value, created_at=created),
            )
            ticket.update(missed_by(ticket, now))  # type: ignore[typeddict-item]
            batch_tickets.append(ticket)
            if agent is not None:
                ticket_notes = [
                    new_note(
                        ticket_id=ticket["_id"],
                        author_id=agent,
                        note=rng.choice(_NOTES),
                        created_at=created + timedelta(hours=n + 1),
                    )
                    for n in range(rng.randint(0, 3))
                ]
                ticket["note_count"] = len(ticket_notes)
                batch_notes += ticket_notes
            if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and rng.random() < 0.7:
                batch_feedback.append(
                    new_feedback(
                        ticket=ticket,
                        rating=rng.randint(1, 5),
                        comment="Thanks for the help.",
                        created_at=ticket["updated_at"],
                    )
                )
        await ticket_queries.tickets(db).insert_many(batch_tickets, ordered=False)
        await _record_history(db, batch_tickets)
        if batch_notes:
            await ticket_queries.notes(db).insert_many(batch_notes, ordered=False)
        if batch_feedback:
            await ticket_queries.feedback(db).insert_many(batch_feedback, ordered=False)
        done += len(batch_tickets)
        notes_total += len(batch_notes)
        feedback_total += len(batch_feedback)
        progress(done, tickets)
    return DemoSummary(customer_emails, agent_emails, done, notes_total, feedback_total)
