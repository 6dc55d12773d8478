"""Which ticket a message answers, and whether its sender may write into it.

In this order: the signed reply token in any recipient address (To, Cc, Delivered-To,
X-Original-To, the SMTP envelope); our Message-IDs in In-Reply-To/References; the subject tag
`[#<ticket id>]`, only when the sender is that ticket's customer (a tag is easy to copy).

A token names the ticket and the person it was sent to. It proves the sender read that
person's mail, so it must be that person's: a token of someone else in a message is a
forwarded notification (a colleague, a relative answering it), quarantined as `forwarded`.
The From address, which anyone can write, alone is never enough to reach a ticket through a
token issued to another.
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


@dataclass(frozen=True)
class Match:
    ticket: TicketDoc | None
    refused: str | None = None  # a quarantine reason found while matching


async def find_sender(db: Database, incoming: Incoming) -> UserDoc | None:
    return await user_queries.find_by_email(db, incoming.sender) if incoming.sender else None


async def match_ticket(
    db: Database, settings: Settings, incoming: Incoming, user: UserDoc | None, *, vouched: bool
) -> Match:
    """`vouched`: an admin released the message, so a forwarded token is let through (the
    sender must still be one who may write into the ticket)."""
    for address in incoming.recipients:
        token = read_reply_address(settings, address)
        if token is None:
            continue
        ticket_id, recipient_id = token
        ticket = await ticket_queries.find_ticket(db, ticket_id)
        if ticket is None:
            continue
        if not vouched and (user is None or user["_id"] != recipient_id):
            return Match(ticket, "forwarded")
        return Match(ticket)
    if found := await queries.ticket_of_references(db, settings, incoming.references):
        return Match(found)
    if incoming.subject_ticket and user is not None:
        tagged = await ticket_queries.find_ticket(db, ObjectId(incoming.subject_ticket))
        if tagged is not None and tagged["customer_id"] == user["_id"]:
            return Match(tagged)
    return Match(None)
