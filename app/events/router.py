"""The event feed (/api/events/)."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import CurrentUser
from app.core.deps import DEFAULT_LIMIT, DbDep, PageLimit
from app.core.errors import responses
from app.events import service
from app.events.schemas import EventPageOut

router = APIRouter(tags=["events"])


@router.get(
    "/events/",
    response_model=EventPageOut,
    responses=responses(400, 401, 403),
    summary="Events the caller may see, oldest first after `after` (any signed-in user: admins "
    "all; approved agents their tickets' and the queue's public ones; customers the public "
    "events of their own tickets)",
)
async def feed(
    user: CurrentUser,
    db: DbDep,
    after: Annotated[str | None, Query(max_length=20, description="An event id")] = None,
    types: Annotated[str | None, Query(max_length=1000, description="Comma list")] = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> EventPageOut:
    return await service.read_feed(db=db, user=user, after=after, types=types, limit=limit)
