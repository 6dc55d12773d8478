"""The public FAQ, its admin management, and the seed on first start."""

import logging
from typing import Any

from pymongo.errors import DuplicateKeyError

from app.db import Database, Document
from app.errors import NotFound
from app.models.common import utcnow
from app.models.enums import Category
from app.models.faq import FaqIn
from app.services.pagination import after_id, next_cursor, to_object_id

log = logging.getLogger("app.faq")

FAQ_SEED_MARKER = "faq_seed_v1"

SEED_FAQS: list[tuple[Category, str, str]] = [
    (
        Category.DAMAGED,
        "What if my package arrived damaged?",
        "Please create a support ticket immediately with the category Damaged, describe the damage and "
        "keep the packaging: an agent will arrange a replacement or a refund.",
    ),
    (
        Category.DAMAGED,
        "Do I need photos of the damaged item?",
        "Photos of the item and of the outer packaging speed things up a lot. Mention in your ticket "
        "that you have them and the agent will tell you where to send them.",
    ),
    (
        Category.LOST,
        "My tracking says delivered but I have no package. What now?",
        "Check with neighbours and your building's reception first. If it is still missing after 24 "
        "hours, open a ticket with the category Lost and your delivery id.",
    ),
    (
        Category.LOST,
        "How long before a package in transit counts as lost?",
        "A package with no tracking update for 7 days is investigated as lost. Open a ticket and we "
        "will start a trace with the carrier.",
    ),
    (
        Category.LATE,
        "My delivery is late. Can I find out when it will arrive?",
        "Your tracking page has the carrier's latest estimate. If the delivery is more than 2 days "
        "past its estimate, open a ticket with the category Late.",
    ),
    (
        Category.LATE,
        "Can I get compensation for a late delivery?",
        "For guaranteed-date deliveries, yes: open a ticket with the category Late and the agent "
        "will refund the shipping cost once the delay is confirmed.",
    ),
    (
        Category.QUALITY,
        "The item does not match its description. What can I do?",
        "Open a ticket with the category Quality, saying what differs from the listing. You can "
        "return it for a refund or ask for an exchange.",
    ),
    (
        Category.QUALITY,
        "The item stopped working after a few days.",
        "Open a ticket with the category Quality and describe the fault. Items under warranty are "
        "repaired or replaced at no cost.",
    ),
    (
        Category.OTHER,
        "How do I follow up on my ticket?",
        "Your tickets and their status are listed under My tickets. An agent picks each one up and "
        "its status changes as they work on it.",
    ),
    (
        Category.OTHER,
        "How do I rate the support I received?",
        "Once your ticket is resolved you can rate it from 1 to 5 and leave a comment. It helps us "
        "improve.",
    ),
]


async def seed_faqs(db: Database) -> None:
    """First start only: a marker document decides (unique _id), so a restart, or several
    workers starting at once, never duplicate the FAQ, and FAQs an admin deleted stay deleted."""
    try:
        await db.meta.insert_one({"_id": FAQ_SEED_MARKER, "at": utcnow()})
    except DuplicateKeyError:
        return
    now = utcnow()
    await db.faqs.insert_many(
        [
            {"question": q, "answer": a, "category": c.value, "created_at": now, "updated_at": now}
            for c, q, a in SEED_FAQS
        ]
    )
    log.info("Seeded %d FAQs", len(SEED_FAQS))


async def list_faqs(
    db: Database, *, category: Category | None, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    query: dict[str, Any] = {"_id": {"$gt": after_id(cursor)}}
    if category is not None:
        query["category"] = category.value
    docs = await db.faqs.find(query).sort("_id", 1).limit(limit + 1).to_list()
    return docs[:limit], next_cursor([str(d["_id"]) for d in docs], limit)


async def create_faq(db: Database, *, data: FaqIn) -> Document:
    now = utcnow()
    doc: Document = {**data.model_dump(mode="json"), "created_at": now, "updated_at": now}
    result = await db.faqs.insert_one(doc)
    doc["_id"] = result.inserted_id
    return doc


async def update_faq(db: Database, *, faq_id: str, data: FaqIn) -> Document:
    oid = to_object_id(faq_id)
    changes = {**data.model_dump(mode="json"), "updated_at": utcnow()}
    if (
        oid is None
        or (await db.faqs.update_one({"_id": oid}, {"$set": changes})).matched_count == 0
    ):
        raise NotFound("FAQ not found")
    doc = await db.faqs.find_one({"_id": oid})
    if doc is None:  # deleted in between
        raise NotFound("FAQ not found")
    return doc


async def delete_faq(db: Database, *, faq_id: str) -> None:
    oid = to_object_id(faq_id)
    if oid is None or (await db.faqs.delete_one({"_id": oid})).deleted_count == 0:
        raise NotFound("FAQ not found")
