"""Canned responses: personal ones belong to their agent (only they see and change them);
shared ones are created and changed by admins and seen by all staff. A body is a template,
checked when saved and rendered with a ticket's names."""

from pymongo.errors import DuplicateKeyError

from app.auth import policy
from app.auth.principal import User
from app.canned import queries
from app.canned.documents import CannedDoc, new_canned
from app.canned.schemas import CannedIn
from app.core import templates
from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import BadRequest, Conflict, FieldError, NotFound
from app.core.ids import object_id_or_404
from app.events import record as events
from app.events.record import Session
from app.tickets.policy import Action, Permit
from app.tickets.template_values import template_values

CANNED_NOT_FOUND = "Canned response not found"
SHORTCUT_TAKEN = "A canned response with this shortcut exists already"
MAX_PER_OWNER = 200  # personal ones per agent; shared ones in all
LIMIT_REACHED = f"At most {MAX_PER_OWNER} canned responses can be kept"
SHARED_IS_FIXED = "A canned response stays personal or shared: create a new one instead"


def _checked(data: CannedIn) -> None:
    try:
        templates.check(data.body)
    except templates.TemplateError as error:
        raise FieldError("body", str(error)) from None


def _ensure_may_change(user: User, doc: CannedDoc) -> None:
    if doc["shared"]:
        policy.ensure_admin(user)


async def list_canned(*, db: Database, user: User) -> list[CannedDoc]:
    policy.ensure_staff(user)
    personal = await queries.list_of(db, user.id, MAX_PER_OWNER)
    return personal + await queries.list_of(db, None, MAX_PER_OWNER)


async def get_canned(*, db: Database, user: User, canned_id: str) -> CannedDoc:
    """One the caller may see: their own or a shared one (another's is not found)."""
    policy.ensure_staff(user)
    found = await queries.find_canned(db, object_id_or_404(canned_id, CANNED_NOT_FOUND))
    if found is None or not (found["shared"] or found["owner_id"] == user.id):
        raise NotFound(CANNED_NOT_FOUND)
    return found


async def create_canned(*, db: Database, user: User, data: CannedIn) -> CannedDoc:
    policy.ensure_staff(user)
    if data.shared:
        policy.ensure_admin(user)
    _checked(data)
    doc = new_canned(
        title=data.title,
        body=data.body,
        shortcut=data.shortcut,
        shared=data.shared,
        author=user.id,
    )

    async def work(session: Session) -> None:
        if not await queries.take_place(db, session, doc["owner_id"], MAX_PER_OWNER):
            raise BadRequest(LIMIT_REACHED, code="canned_response_limit_reached")
        await queries.insert_canned(db, session, doc)

    try:
        await events.in_transaction(db, work)
    except DuplicateKeyError:
        raise Conflict(SHORTCUT_TAKEN, code="canned_shortcut_taken") from None
    return doc


async def update_canned(*, db: Database, user: User, canned_id: str, data: CannedIn) -> CannedDoc:
    found = await get_canned(db=db, user=user, canned_id=canned_id)
    _ensure_may_change(user, found)
    if data.shared != found["shared"]:
        raise FieldError("shared", SHARED_IS_FIXED)
    _checked(data)
    changed = found.copy()
    changed["title"], changed["body"] = data.title, data.body
    changed["shortcut"], changed["updated_at"] = data.shortcut, utcnow()
    try:
        replaced = await queries.replace_canned(db, changed)
    except DuplicateKeyError:
        raise Conflict(SHORTCUT_TAKEN, code="canned_shortcut_taken") from None
    if not replaced:
        raise NotFound(CANNED_NOT_FOUND)
    return changed


async def delete_canned(*, db: Database, user: User, canned_id: str) -> None:
    found = await get_canned(db=db, user=user, canned_id=canned_id)
    _ensure_may_change(user, found)

    async def work(session: Session) -> None:
        if not await queries.delete_canned(db, session, found):
            raise NotFound(CANNED_NOT_FOUND)

    await events.in_transaction(db, work)


async def render_canned(*, db: Database, permit: Permit, canned_id: str) -> str:
    """The body for the ticket: the customer's name, the ticket's id and subject, and the
    caller's name (the agent who will send it)."""
    ticket = permit.ticket_for(Action.WORK)
    found = await get_canned(db=db, user=permit.user, canned_id=canned_id)
    return templates.render(
        found["body"], await template_values(db=db, ticket=ticket, agent=permit.user)
    )
