"""Which ticket a message answers, and the quarantine reason if its sender may not write in it.

In this order: the signed reply token in any recipient address (To, Cc, Delivered-To,
X-Original-To, the SMTP envelope); our Message-IDs in In-Reply-To/References; the subject tag
`[#<ticket id>]`, only when the sender is that ticket's customer (a tag is easy to copy).

A token names the ticket (and the person it was sent to). Whoever answers with it must be one
who may write into the ticket: its customer, its assigned agent or an admin (the replies'
policy, checked by the service). A stranger answering a token issued to someone else is a
forwarded notification (a relative answering it), quarantined as `forwarded`.

A ticket merged into another (Closed, `merged_into`) sends its mail on to the surviving ticket,
and the sender's right is checked on that one.
"""

from dataclasses import dataclass

from bson import ObjectId

from app.auth import queries as user_queries
from app.auth.documents import UserDoc
from app.core.config import Settings
from app.core.db import Database
from app.inbound import queries
from app.inbound.message import Incoming
from app.mail.addresses import read_reply_address
from app.tickets import queries as ticket_queries
from app.tickets.documents import TicketDoc

MAX_MERGE_HOPS = 5  # a merged ticket's target may itself have been merged since


@dataclass(frozen=True)
class Match:
    ticket: TicketDoc | None
    not_allowed: str = "sender_not_allowed"  # the quarantine reason if the sender may not write


async def find_sender(db: Database, incoming: Incoming) -> UserDoc | None:
    return await user_queries.find_by_email(db, incoming.sender) if incoming.sender else None


async def match_ticket(
    db: Database, settings: Settings, incoming: Incoming, user: UserDoc | None
) -> Match:
    named = await _named_ticket(db, settings, incoming, user)
    if named.ticket is None:
        return named
    return Match(await _surviving(db, named.ticket), named.not_allowed)


async def _named_ticket(
    db: Database, settings: Settings, incoming: Incoming, user: UserDoc | None
) -> Match:
    for address in incoming.recipients:
        token = read_reply_address(settings, address)
        if token is None:
            continue
        ticket_id, recipient_id = token
        ticket = await ticket_queries.find_ticket(db, ticket_id)
        if ticket is None:
            continue
        if user is None or user["_id"] != recipient_id:
            return Match(ticket, "forwarded")
        return Match(ticket)
    if found := await queries.ticket_of_references(db, settings, incoming.references):
        return Match(found)
    if incoming.subject_ticket and user is not None:
        tagged = await ticket_queries.find_ticket(db, ObjectId(incoming.subject_ticket))
        if tagged is not None and tagged["customer_id"] == user["_id"]:
            return Match(tagged)
    return Match(None)


async def _surviving(db: Database, ticket: TicketDoc) -> TicketDoc:
    """The ticket a merge folded `ticket` into, followed for at most MAX_MERGE_HOPS merges
    (past them, the Closed ticket reached: quarantined as `ticket_closed`)."""
    for _ in range(MAX_MERGE_HOPS):
        target_id = ticket.get("merged_into")
        target = await ticket_queries.find_ticket(db, target_id) if target_id else None
        if target is None:
            break
        ticket = target
    return ticket
