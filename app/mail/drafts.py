"""What each event's messages say (`Draft`s), for the recipients `notify` names who are
active and have not turned the kind off."""

from typing import Any

from bson import ObjectId

from app.auth.documents import UserDoc
from app.core.config import Settings
from app.core.db import Database
from app.events.documents import EventDoc
from app.mail import links, notify, queries
from app.mail.compose import Draft, Recipient
from app.mail.documents import MailKind
from app.tickets import surveys
from app.tickets.documents import TicketDoc

DEADLINES = {"first_response": "first response", "resolution": "resolution"}


def _values(
    kind: MailKind, event: EventDoc, ticket: TicketDoc | None, actor: UserDoc | None
) -> dict[str, Any]:
    data = event["data"]
    acting = actor["name"] if actor else "The service"
    match kind:
        case MailKind.TICKET_CREATED:
            assert ticket is not None
            return {"category": ticket["category"], "description": ticket["description"]}
        case MailKind.STAFF_REPLY | MailKind.CUSTOMER_REPLY:
            return {"author": acting, "body": data["body"]}
        case MailKind.TICKET_ASSIGNED:
            assert ticket is not None
            return {"actor": acting, "category": ticket["category"], "priority": ticket["priority"]}
        case MailKind.SLA_BREACH:
            assert ticket is not None
            due = str(data["due_at"])  # as the event stores it (ISO 8601, UTC)
            deadline = DEADLINES.get(data["deadline"], data["deadline"])
            return {"deadline": deadline, "due_at": due, "priority": ticket["priority"]}
        case MailKind.AGENT_WAITING:
            return {"agent": data["name"], "agent_email": data["email"]}
        case MailKind.TICKET_RESOLVED:
            return {"survey_link": None}
    return {}


async def drafts_of(db: Database, settings: Settings, event: EventDoc) -> list[Draft]:
    notices = await notify.notices(db, event)
    if not notices:
        return []
    actor_id: ObjectId | None = event["actor"].get("id")
    wanted = {n.recipient_id for n in notices} | ({actor_id} if actor_id else set())
    people = await queries.find_users(db, wanted)
    ticket = await queries.find_ticket(db, event["ticket_id"]) if event["ticket_id"] else None
    if event["ticket_id"] and ticket is None:
        return []
    drafts = []
    for notice in notices:
        user = people.get(notice.recipient_id)
        if user is None or not user["is_active"]:
            continue
        if not (await queries.preferences(db, user["_id"])).get(notice.kind.value, True):
            continue
        actor = people.get(actor_id) if actor_id else None
        values = _values(notice.kind, event, ticket, actor)
        cycle, token_hash = event["data"].get("cycle"), None
        if notice.kind == MailKind.TICKET_RESOLVED and cycle and links.console_link(settings, ""):
            # A new token each time: only the one of the message queued counts (delivery.py).
            token, token_hash = surveys.mint_token()
            values["survey_link"] = links.survey_link(settings, token)
        if notice.kind == MailKind.AGENT_WAITING:
            values["agents_link"] = links.console_link(settings, links.AGENTS_ROUTE)
            subject = f"Agent waiting for approval: {event['data']['name']}"
        else:
            assert ticket is not None
            subject = ticket["subject"]
        recipient = Recipient(
            id=user["_id"], name=user["name"], email=user["email"], role=user["role"]
        )
        drafts.append(
            Draft(
                kind=notice.kind,
                recipient=recipient,
                ticket_id=ticket["_id"] if ticket else None,
                subject=subject,
                values=values,
                author=values.get("author") if notice.kind == MailKind.STAFF_REPLY else None,
                token_hash=token_hash,
                survey_cycle=cycle if token_hash else None,
            )
        )
    return drafts
