"""The SLA policy an admin keeps. Tickets read it in their own writes (app/tickets/sla.py):
a change applies to tickets created or re-prioritised afterwards."""

from app.auth.policy import ensure_admin
from app.auth.principal import User
from app.core.clock import utcnow
from app.core.db import Database
from app.core.log import security_event
from app.sla import queries
from app.sla.schemas import SlaPolicyIn
from app.tickets.sla import POLICY_ID, PolicyDoc, load_policy_doc


async def read_policy(*, db: Database, admin: User) -> PolicyDoc:
    ensure_admin(admin)
    return await load_policy_doc(db)


async def replace_policy(*, db: Database, admin: User, data: SlaPolicyIn) -> PolicyDoc:
    ensure_admin(admin)
    stored = data.model_dump(mode="json")
    doc = PolicyDoc(
        _id=POLICY_ID,
        targets=stored["targets"],
        calendar=stored["calendar"],
        updated_at=utcnow(),
        updated_by=admin.id,
    )
    await queries.replace_sla_policy(db, doc)
    security_event("sla_policy_changed", actor_id=str(admin.id))
    return doc
