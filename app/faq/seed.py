"""The FAQ every new installation starts with (first start only)."""

import logging

from pymongo.errors import DuplicateKeyError

from app.core.clock import utcnow
from app.core.db import Database
from app.faq.documents import new_faq
from app.faq.queries import bump_faq_version, faqs
from app.tickets.documents import Category

log = logging.getLogger("app.faq")

FAQ_SEED_MARKER = "faq_seed_v1"
FAQ_SEED_V2_MARKER = "faq_seed_v2"

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


# The second edition: the common delivery questions the first lacked (what the suggestions on
# the new-ticket form answer). Installations seeded with the first get these once too.
SEED_FAQS_V2: list[tuple[Category, str, str]] = [
    (
        Category.OTHER,
        "Can I change the delivery address?",
        "Yes, as long as the parcel has not been dispatched: open a ticket with the category Other, "
        "your delivery id and the new address. Once it is on its way the carrier cannot reroute it.",
    ),
    (
        Category.OTHER,
        "How do I cancel my order?",
        "Orders can be cancelled until they are dispatched. Open a ticket with your order number; "
        "after dispatch, refuse the delivery or return it instead.",
    ),
    (
        Category.QUALITY,
        "How do I return an item?",
        "You can return most items within 30 days. Open a ticket with the category Quality and the "
        "agent sends you a prepaid return label; pack the item in its original box.",
    ),
    (
        Category.OTHER,
        "When will I get my refund?",
        "Refunds are issued within 5 business days once the return arrives at our warehouse, to the "
        "card or account you paid with. Your bank may take a few more days to show the money.",
    ),
    (
        Category.LATE,
        "I missed the delivery. How do I rebook it?",
        "The courier leaves a notice card. You can choose a new delivery day or collect the parcel "
        "from the nearest pickup point within 7 days, after which it is returned to the sender.",
    ),
    (
        Category.QUALITY,
        "I received the wrong item.",
        "Sorry about the mix-up. Open a ticket with the category Quality and a photo of the label "
        "and what you received; we send the right item and collect the wrong one for free.",
    ),
    (
        Category.LOST,
        "Part of my order is missing from the box.",
        "Large orders sometimes ship in several parcels, so check your tracking first. If nothing "
        "else is on its way, open a ticket with the category Lost listing the missing items.",
    ),
    (
        Category.OTHER,
        "How can I track my parcel?",
        "Use the tracking number from your shipping confirmation e-mail on the tracking page. It "
        "updates each time the parcel is scanned at a depot.",
    ),
    (
        Category.OTHER,
        "Do I have to pay customs duties or import fees?",
        "Deliveries from outside the country may be charged import VAT and customs duties, which "
        "the courier collects before handing over the parcel. The order page shows an estimate.",
    ),
    (
        Category.OTHER,
        "Can someone else receive my parcel or can it be left with a neighbour?",
        "Yes: add delivery instructions before dispatch, naming a safe place or a neighbour. A "
        "parcel left as instructed counts as delivered.",
    ),
    (
        Category.OTHER,
        "How do I reset my password?",
        "On the sign-in page choose 'Forgot password' and follow the link we e-mail you. If no "
        "e-mail arrives within a few minutes, check your spam folder.",
    ),
    (
        Category.OTHER,
        "What are your opening hours and how do I reach customer service?",
        "Agents answer tickets every day from 8:00 to 20:00. Opening a ticket is the fastest way "
        "to reach us; there is no phone line.",
    ),
    (
        Category.DAMAGED,
        "The packaging was open or torn when it arrived.",
        "If the box looks tampered with, note it to the courier or refuse the parcel. If you "
        "accepted it, open a ticket with the category Damaged and photos of the packaging.",
    ),
    (
        Category.LATE,
        "Can I choose a delivery date or time slot?",
        "Time slots can be chosen at checkout for most postcodes. After dispatch you can move the "
        "delivery to another day with the link in your shipping e-mail.",
    ),
]


async def _seed_edition(
    db: Database, marker: str, entries: list[tuple[Category, str, str]]
) -> None:
    try:
        await db.meta.insert_one({"_id": marker, "at": utcnow()})
    except DuplicateKeyError:
        return
    await faqs(db).insert_many([new_faq(question=q, answer=a, category=c) for c, q, a in entries])
    await bump_faq_version(db)
    log.info("Seeded %d FAQs", len(entries))


async def seed_faqs(*, db: Database) -> None:
    """Each edition once: a marker document decides (unique _id), so a restart, or several
    workers starting at once, never duplicate the FAQ, and FAQs an admin deleted stay deleted."""
    await _seed_edition(db, FAQ_SEED_MARKER, SEED_FAQS)
    await _seed_edition(db, FAQ_SEED_V2_MARKER, SEED_FAQS_V2)
