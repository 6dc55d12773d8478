"""The public FAQ and its admin management."""

from bson import ObjectId

from app.auth import policy
from app.auth.principal import User
from app.core.clock import utcnow
from app.core.db import Database, Document
from app.core.errors import NotFound
from app.core.ids import object_id_or_404
from app.events import record as events
from app.events.documents import EventType, actor_of
from app.events.record import Session
from app.faq import queries
from app.faq.documents import FaqDoc, new_faq
from app.faq.schemas import FaqIn
from app.tickets.documents import Category

FAQ_NOT_FOUND = "FAQ not found"


async def list_faqs(
    *, db: Database, category: Category | None, limit: int, cursor: str | None
) -> tuple[list[FaqDoc], str | None]:
    return await queries.page_of_faqs(
        db, category=category.value if category else None, limit=limit, cursor=cursor
    )


async def _changed(
    db: Database, session: Session, event: EventType, admin: User, faq_id: ObjectId
) -> None:
    await events.record(
        db, session, event, actor=actor_of(admin), visibility="internal", data={"faq_id": faq_id}
    )
    await queries.bump_faq_version(db, session)  # each process's suggestion index rebuilds


async def create_faq(*, db: Database, admin: User, data: FaqIn) -> FaqDoc:
    policy.ensure_admin(admin)
    faq = new_faq(question=data.question, answer=data.answer, category=data.category)

    async def work(session: Session) -> None:
        await queries.faqs(db).insert_one(faq, session=session)
        await _changed(db, session, EventType.FAQ_CREATED, admin, faq["_id"])

    await events.in_transaction(db, work)
    return faq


async def update_faq(*, db: Database, admin: User, faq_id: str, data: FaqIn) -> Document:
    """Replaces the entry's content; the answer shows what was written (no re-read)."""
    policy.ensure_admin(admin)
    oid = object_id_or_404(faq_id, FAQ_NOT_FOUND)
    changes = {**data.model_dump(mode="json"), "updated_at": utcnow()}

    async def work(session: Session) -> None:
        found = await queries.faqs(db).update_one({"_id": oid}, {"$set": changes}, session=session)
        if found.matched_count == 0:
            raise NotFound(FAQ_NOT_FOUND)
        await _changed(db, session, EventType.FAQ_UPDATED, admin, oid)

    await events.in_transaction(db, work)
    return {"_id": oid, **changes}


async def delete_faq(*, db: Database, admin: User, faq_id: str) -> None:
    policy.ensure_admin(admin)
    oid = object_id_or_404(faq_id, FAQ_NOT_FOUND)

    async def work(session: Session) -> None:
        if (await queries.faqs(db).delete_one({"_id": oid}, session=session)).deleted_count == 0:
            raise NotFound(FAQ_NOT_FOUND)
        await _changed(db, session, EventType.FAQ_DELETED, admin, oid)

    await events.in_transaction(db, work)
