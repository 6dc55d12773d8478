"""The FAQ: public reading (/api/support/faq/), admin management (/api/admin/faq/)."""

from fastapi import APIRouter, status

from app.auth.deps import AdminUser
from app.core.deps import DEFAULT_LIMIT, DbDep, PageCursor, PageLimit
from app.core.errors import responses
from app.core.schemas import MessageOut
from app.faq import service
from app.faq.schemas import FaqIn, FaqListOut, FaqOut, FaqSavedOut
from app.tickets.documents import Category

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
    page, next_cursor = await service.list_faqs(
        db=db, category=category, limit=limit, cursor=cursor
    )
    return FaqListOut(faqs=[FaqOut.from_doc(f) for f in page], next_cursor=next_cursor)


@router.post(
    "/admin/faq/",
    status_code=status.HTTP_201_CREATED,
    response_model=FaqSavedOut,
    responses=responses(400, 401, 403, 413),
    summary="Add an FAQ (admins)",
)
async def create_faq(data: FaqIn, admin: AdminUser, db: DbDep) -> FaqSavedOut:
    created = await service.create_faq(db=db, admin=admin, data=data)
    return FaqSavedOut(message="FAQ created successfully", faq=FaqOut.from_doc(created))


@router.put(
    "/admin/faq/{faq_id}/",
    response_model=FaqSavedOut,
    responses=responses(400, 401, 403, 404, 413),
    summary="Replace an FAQ (admins)",
)
async def update_faq(faq_id: str, data: FaqIn, admin: AdminUser, db: DbDep) -> FaqSavedOut:
    updated = await service.update_faq(db=db, admin=admin, faq_id=faq_id, data=data)
    return FaqSavedOut(message="FAQ updated successfully", faq=FaqOut.from_doc(updated))


@router.delete(
    "/admin/faq/{faq_id}/",
    response_model=MessageOut,
    responses=responses(401, 403, 404),
    summary="Delete an FAQ (admins)",
)
async def delete_faq(faq_id: str, admin: AdminUser, db: DbDep) -> MessageOut:
    await service.delete_faq(db=db, admin=admin, faq_id=faq_id)
    return MessageOut(message="FAQ deleted successfully")
