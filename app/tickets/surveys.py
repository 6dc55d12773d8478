"""Satisfaction surveys: one per resolution of a ticket, answered by a link without signing in.

A ticket becoming Resolved (write.py, in the change's transaction) counts a resolution cycle
and opens its survey, remembering the agent, category and priority of that moment (reports
group its rating by them) and open for SURVEY_DAYS. The link's token is minted when the Resolved mail is
dispatched (mail/delivery.py): random, 256 bits, and only its SHA-256 is kept, on the survey
and on the outbox message in one idempotent insert; the survey takes the hash of the message
that was queued, so however often the event is dispatched one token works. A survey whose
mail was not sent (mail off, the kind turned off) has no token: only `feedback/` rates it.

A rating is stored once per (ticket, cycle) in `feedback`, whichever way it comes, with the
`feedback.submitted` event; the survey may change it until it expires. Opening the link (GET)
records nothing: mail scanners follow links."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any, Literal

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from app.core.clock import utcnow
from app.core.db import Database, Document
from app.core.errors import AppError, BadRequest, NotFound
from app.events import record as events
from app.events.documents import Actor, EventType
from app.events.record import Session
from app.tickets import queries
from app.tickets.documents import FeedbackDoc, TicketDoc

SURVEY_DAYS = 14
TOKEN_BYTES = 32
SURVEY_NOT_FOUND = "Survey not found"
SURVEY_EXPIRED = "This survey has closed"
MERGED_NO_FEEDBACK = "This ticket was merged into another; give your feedback there"
SurveyStatus = Literal["open", "answered", "expired"]


class SurveyExpired(AppError):
    status_code = 410

    def __init__(self) -> None:
        super().__init__(SURVEY_EXPIRED, code="survey_expired")


def ensure_not_merged(ticket: TicketDoc) -> None:
    """A merged ticket's rating belongs to the ticket it was merged into: refused by the link
    and by `feedback/` alike."""
    if ticket.get("merged_into") is not None:
        raise BadRequest(MERGED_NO_FEEDBACK, code="ticket_merged")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint_token() -> tuple[str, str]:
    """(the link's token, its hash)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


async def open_survey(db: Database, session: Session, ticket: TicketDoc) -> None:
    """The survey of the resolution `ticket` (as it is after it) just reached."""
    now = utcnow()
    await queries.surveys(db).insert_one(
        {
            "_id": ObjectId(),
            "ticket_id": ticket["_id"],
            "cycle": ticket["resolution_cycle"],
            "customer_id": ticket["customer_id"],
            "agent_id": ticket["agent_id"],
            "category": ticket["category"],
            "priority": ticket["priority"],
            "resolved_at": now,
            "expires_at": now + timedelta(days=SURVEY_DAYS),
        },
        session=session,
    )


async def attach_token(db: Database, *, ticket_id: ObjectId, cycle: int, token_hash: str) -> None:
    """The hash of the token the queued mail carries; set once (a re-dispatch sends nothing
    new, and passes the queued message's hash again)."""
    await queries.surveys(db).update_one(
        {"ticket_id": ticket_id, "cycle": cycle, "token_hash": {"$exists": False}},
        {"$set": {"token_hash": token_hash, "sent_at": utcnow()}},
    )


async def _survey(db: Database, token: str) -> Document:
    found = await queries.surveys(db).find_one({"token_hash": hash_token(token)})
    if found is None:
        raise NotFound(SURVEY_NOT_FOUND)
    return found


async def _rating(db: Database, survey: Document) -> FeedbackDoc | None:
    return await queries.feedback(db).find_one(
        {"ticket_id": survey["ticket_id"], "cycle": survey["cycle"]}
    )


def _status(survey: Document, rating: FeedbackDoc | None) -> SurveyStatus:
    if utcnow() >= survey["expires_at"]:
        return "expired"
    return "answered" if rating else "open"


async def read_survey(*, db: Database, token: str) -> dict[str, Any]:
    """What the link shows: the ticket's subject, the state, the rating given (nothing else)."""
    survey = await _survey(db, token)
    ticket = await queries.find_ticket(db, survey["ticket_id"])
    rating = await _rating(db, survey)
    shown: dict[str, Any] = {
        "ticket_subject": ticket["subject"] if ticket else "",
        "status": _status(survey, rating),
    }
    if rating:
        shown |= {"rating": str(rating["rating"]), "comment": rating["comment"]}
    return shown


async def answer_survey(
    *, db: Database, token: str, rating: int, comment: str | None
) -> dict[str, Any]:
    """Records (or changes) the rating of the survey's resolution; 410 once it expired, 400
    once the ticket was merged into another."""
    survey = await _survey(db, token)
    if utcnow() >= survey["expires_at"]:
        raise SurveyExpired
    ticket = await queries.find_ticket(db, survey["ticket_id"])
    if ticket is None:
        raise NotFound(SURVEY_NOT_FOUND)
    ensure_not_merged(ticket)
    customer: Actor = {"type": "user", "id": survey["customer_id"], "role": "customer"}

    async def work(session: Session) -> None:
        key = {"ticket_id": survey["ticket_id"], "cycle": survey["cycle"]}
        changes = {"rating": rating, "comment": comment or None}
        stored = await queries.feedback(db).find_one(key, {"_id": 1}, session=session)
        if stored is not None:  # a rating changed
            await queries.feedback(db).update_one(
                {"_id": stored["_id"]}, {"$set": changes}, session=session
            )
        else:  # the first rating of this resolution, with its snapshot
            stored = FeedbackDoc(
                _id=ObjectId(),
                ticket_id=survey["ticket_id"],
                cycle=survey["cycle"],
                customer_id=survey["customer_id"],
                agent_id=survey["agent_id"],
                rating=rating,
                comment=comment or None,
                created_at=utcnow(),
            )
            await queries.feedback(db).insert_one(stored, session=session)
        await events.record(
            db,
            session,
            EventType.FEEDBACK_SUBMITTED,
            actor=customer,
            visibility="public",
            data={"feedback_id": stored["_id"], "rating": rating, "cycle": survey["cycle"]},
            ticket=ticket,
        )

    try:
        await events.in_transaction(db, work)
    except DuplicateKeyError:  # a simultaneous first rating won: change it instead
        await events.in_transaction(db, work)
    return await read_survey(db=db, token=token)
