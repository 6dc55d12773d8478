"""The FAQ every new installation starts with (first start only)."""

import logging

from pymongo.errors import DuplicateKeyError

from app.core.clock import utcnow
from app.core.db import Database
from app.faq.documents import new_faq
from app.faq.queries import faqs
from app.tickets.documents import Category

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


async def seed_faqs(*, db: Database) -> None:
    """First start only: a marker document decides (unique _id), so a restart, or several
    workers starting at once, never duplicate the FAQ, and FAQs an admin deleted stay deleted."""
    try:
        await db.meta.insert_one({"_id": FAQ_SEED_MARKER, "at": utcnow()})
    except DuplicateKeyError:
        return
    await faqs(db).insert_many([new_faq(question=q, answer=a, category=c) for c, q, a in SEED_FAQS])
    log.info("Seeded %d FAQs", len(SEED_FAQS))
