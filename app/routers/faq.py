"""The FAQ: public reading (/api/support/faq/), admin management (/api/admin/faq/)."""

from fastapi import APIRouter, status

from app.deps import DEFAULT_LIMIT, AdminUser, DbDep, PageCursor, PageLimit
from app.errors import responses
from app.models.common import MessageOut
from app.models.enums import Category
from app.models.faq import FaqIn, FaqListOut, FaqOut, FaqSavedOut
from app.services import faq

router = APIRouter(tags=["faq"])


@router.get(
    "/support/faq/",
    response_model=FaqListOut,
    responses=responses(400),
    summary="Frequently asked questions, optionally of one category (public)",
)
async def list_faqs(
    db: DbDep,
    category: Category | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
    cursor: PageCursor = None,
) -> FaqListOut:
    page, next_cursor = await faq.list_faqs(db, category=category, limit=limit, cursor=cursor)
    return FaqListOut(faqs=[FaqOut.from_doc(f) for f in page], next_cursor=next_cursor)


@router.post(
    "/admin/faq/",
    status_code=status.HTTP_201_CREATED,
    response_model=FaqSavedOut,
    responses=responses(400, 401, 403),
    summary="Add an FAQ (admins)",
)
async def create_faq(data: FaqIn, admin: AdminUser, db: DbDep) -> FaqSavedOut:
    created = await faq.create_faq(db, data=data)
    return FaqSavedOut(message="FAQ created successfully", faq=FaqOut.from_doc(created))


@router.put(
    "/admin/faq/{faq_id}/",
    response_model=FaqSavedOut,
    responses=responses(400, 401, 403, 404),
    summary="Replace an FAQ (admins)",
)
async def update_faq(faq_id: str, data: FaqIn, admin: AdminUser, db: DbDep) -> FaqSavedOut:
    updated = await faq.update_faq(db, faq_id=faq_id, data=data)
    return FaqSavedOut(message="FAQ updated successfully", faq=FaqOut.from_doc(updated))


@router.delete(
    "/admin/faq/{faq_id}/",
    response_model=MessageOut,
    responses=responses(401, 403, 404),
    summary="Delete an FAQ (admins)",
)
async def delete_faq(faq_id: str, admin: AdminUser, db: DbDep) -> MessageOut:
    await faq.delete_faq(db, faq_id=faq_id)
    return MessageOut(message="FAQ deleted successfully")
