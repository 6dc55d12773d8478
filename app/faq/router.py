"""The FAQ: public reading (/api/support/faq/), admin management (/api/admin/faq/)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from app.auth import policy
from app.auth.deps import AdminUser
from app.core.deps import DEFAULT_LIMIT, ClientAddress, DbDep, PageCursor, PageLimit
from app.core.errors import responses
from app.core.schemas import MessageOut
from app.faq import service, suggestions
from app.faq.schemas import (
    FaqFeedbackIn,
    FaqIn,
    FaqListOut,
    FaqOut,
    FaqReactionIn,
    FaqSavedOut,
    SuggestionOut,
    SuggestionsOut,
    UnansweredOut,
    UnansweredQuestionOut,
)
from app.faq.suggestions import SuggestionIndex
from app.tickets.documents import Category
from app.tickets.schemas import SuggestionSession

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


def get_suggestion_index(request: Request) -> SuggestionIndex:
    """The in-memory FAQ ranking of this app's database (made with it, in the lifespan)."""
    index: SuggestionIndex = request.app.state.faq_suggestions
    return index


SuggestionIndexDep = Annotated[SuggestionIndex, Depends(get_suggestion_index)]
SuggestQuery = Annotated[str, Query(min_length=1, max_length=1000, description="The words")]
SuggestLimit = Annotated[int, Query(ge=1, le=10, description="Suggestions at most")]
RECORDED = "Thank you"


@router.get(
    "/support/faq/suggest/",
    response_model=SuggestionsOut,
    responses=responses(400, 429),
    summary="FAQ entries answering the given words, best first (public)",
    description="Anyone may call it (throttled per address). `session`: the new-ticket form's "
    "random id, sent again with its ticket, so the reports count tickets written after "
    "suggestions were shown.",
)
async def suggest_faqs(
    db: DbDep,
    index: SuggestionIndexDep,
    q: SuggestQuery,
    category: Category | None = None,
    limit: SuggestLimit = 3,
    session: Annotated[SuggestionSession | None, Query()] = None,
) -> SuggestionsOut:
    ranked = await suggestions.suggest(
        db=db, index=index, query=q, category=category, limit=limit, session=session
    )
    return SuggestionsOut(
        suggestions=[
            SuggestionOut(
                id=r.entry.id,
                question=r.entry.question,
                answer=r.entry.answer,
                category=Category(r.entry.category),
                score=r.score,
            )
            for r in ranked
        ]
    )


@router.post(
    "/support/faq/{faq_id}/opened/",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageOut,
    responses=responses(400, 404, 413, 429),
    summary="Record that a suggested answer was opened (public)",
    description="Anyone may call it (throttled per address); counted in the reports.",
)
async def open_faq(
    faq_id: str, data: FaqReactionIn, db: DbDep, address: ClientAddress
) -> MessageOut:
    await suggestions.react(
        db=db, faq_id=faq_id, kind="opened", session=data.session, address=address
    )
    return MessageOut(message=RECORDED)


@router.post(
    "/support/faq/{faq_id}/feedback/",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageOut,
    responses=responses(400, 404, 413, 429),
    summary="Say whether an FAQ answer helped (public)",
    description="Anyone may call it (throttled per address); counted in the reports.",
)
async def rate_faq(
    faq_id: str, data: FaqFeedbackIn, db: DbDep, address: ClientAddress
) -> MessageOut:
    kind = "helpful" if data.helpful else "not_helpful"
    await suggestions.react(db=db, faq_id=faq_id, kind=kind, session=data.session, address=address)
    return MessageOut(message=RECORDED)


@router.get(
    "/admin/faq/unanswered/",
    response_model=UnansweredOut,
    responses=responses(400, 401, 403),
    summary="The most frequent questions the FAQ answered badly (admins)",
    description="Admins only. Each suggestion session's latest query whose best score was "
    "low, grouped and counted, most frequent first; kept 90 days.",
)
async def list_unanswered_questions(
    admin: AdminUser,
    db: DbDep,
    days: Annotated[int, Query(ge=1, le=90)] = 30,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> UnansweredOut:
    policy.ensure_admin(admin)
    found = await suggestions.unanswered(db=db, days=days, limit=limit)
    return UnansweredOut(
        questions=[
            UnansweredQuestionOut(
                query=q["_id"], count=q["count"], best_score=q["best"], last_asked_at=q["last"]
            )
            for q in found
        ]
    )
