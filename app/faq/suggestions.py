"""FAQ suggestions while a ticket is written, what customers do with them, and the questions
they asked that the FAQ did not answer well.

Each process keeps the ranking (ranking.py) in memory and rebuilds it when the FAQ's version
(one meta document read by _id per suggestion, bumped in the transaction of every change)
has moved: an admin's edit shows in the next suggestion on every instance, whatever the event
numbering's lag, and costs one indexed read."""

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.auth.throttling import Throttle, address_key, record_attempt
from app.core.clock import utcnow
from app.core.db import Database, Document
from app.core.errors import NotFound
from app.core.ids import object_id_or_404
from app.faq import queries
from app.faq.ranking import Entry, FaqRanking, Ranked
from app.faq.text import normalised_query
from app.tickets.documents import Category

# Below this best score a query counts as unanswered: every labelled phrasing whose first
# suggestion was right scored above it, most off-topic questions below (docs/self-service.md).
GOOD_ANSWER_SCORE = 2.0
REACTIONS_PER_MINUTE = 30  # per address: reactions are counted in the reports
REACTION_KINDS = ("opened", "helpful", "not_helpful")
FAQ_NOT_FOUND = "FAQ not found"


@dataclass
class SuggestionIndex:
    """The ranking of one database's FAQ in this process, and the version it was built at."""

    ranking: FaqRanking | None = None
    version: int = -1
    lock: asyncio.Lock | None = None

    async def current(self, db: Database) -> FaqRanking:
        version = await queries.faq_version(db)
        if self.ranking is not None and version == self.version:
            return self.ranking
        self.lock = self.lock or asyncio.Lock()
        async with self.lock:  # one rebuild at a time; the others take its result
            if self.ranking is None or version != self.version:
                # Read after the version: a change in between makes the next call rebuild.
                entries = [
                    Entry(str(f["_id"]), f["question"], f["answer"], f["category"])
                    for f in await queries.all_faqs(db)
                ]
                self.ranking = await asyncio.to_thread(FaqRanking, entries)
                self.version = version
        return self.ranking


async def suggest(
    *,
    db: Database,
    index: SuggestionIndex,
    query: str,
    category: Category | None,
    limit: int,
    session: str | None,
) -> list[Ranked]:
    ranking = await index.current(db)
    ranked = ranking.rank(query, category=category.value if category else None, limit=limit)
    await queries.record_suggestion(
        db,
        session=session or secrets.token_urlsafe(16),  # no session: this call is its own
        query=normalised_query(query),
        best=ranked[0].score if ranked else 0.0,
        shown=bool(ranked),
        now=utcnow(),
    )
    return ranked


async def react(*, db: Database, faq_id: str, kind: str, session: str | None, address: str) -> None:
    """Records an answer opened or marked (not) helpful, throttled per address."""
    oid = object_id_or_404(faq_id, FAQ_NOT_FOUND)
    throttle = Throttle(
        "faq_reactions",
        f"faq_reactions:{address_key(address)}",
        REACTIONS_PER_MINUTE,
        timedelta(minutes=1),
    )
    await record_attempt(db, [throttle], message="Too many requests; try again later")
    if not await queries.faq_exists(db, oid):
        raise NotFound(FAQ_NOT_FOUND)
    await queries.record_reaction(db, faq_id=oid, kind=kind, session=session, now=utcnow())


async def unanswered(*, db: Database, days: int, limit: int) -> list[Document]:
    since = utcnow() - timedelta(days=days)
    return await queries.unanswered(db, since=since, below=GOOD_ANSWER_SCORE, limit=limit)


async def deflection(
    *, db: Database, start: datetime, end: datetime, ticket_sessions: list[str]
) -> dict[str, int]:
    """The period's deflection figures; `ticket_sessions`: the suggestion sessions of the
    tickets created in it (a session counts only if suggestions were shown to it)."""
    shown, opened, helpful, after = await asyncio.gather(
        queries.count_shown(db, start, end),
        queries.count_reactions(db, "opened", start, end),
        queries.count_reactions(db, "helpful", start, end),
        queries.count_sessions_shown(db, sorted(set(ticket_sessions))),
    )
    return {
        "suggestions_shown": shown,
        "answers_opened": opened,
        "marked_helpful": helpful,
        "tickets_created_after_suggestion": after,
    }
