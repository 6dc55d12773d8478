"""What a staff template (app/core/templates.py) is filled with for one ticket: the customer's
name, the ticket's id and subject, and the name of the agent who sends it. Shared by canned
responses and macros."""

from collections.abc import Mapping

from app.auth.principal import User
from app.auth.queries import names_by_id
from app.core.db import Database
from app.tickets.documents import TicketDoc


async def template_values(
    *, db: Database, ticket: TicketDoc, agent: User
) -> Mapping[str, Mapping[str, object]]:
    names = await names_by_id(db, {ticket["customer_id"]})
    return {
        "customer": {"name": names.get(ticket["customer_id"], "")},
        "ticket": {"id": str(ticket["_id"]), "subject": ticket["subject"]},
        "agent": {"name": agent.name},
    }
