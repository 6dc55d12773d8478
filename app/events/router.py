"""The event feed (/api/events/) and its live stream (/api/events/stream/)."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service as auth_service
from app.auth.deps import CurrentUser
from app.auth.principal import User
from app.core.deps import DEFAULT_LIMIT, DbDep, PageLimit, SettingsDep
from app.core.errors import NotAuthenticated, responses
from app.core.log import set_request_caller
from app.core.schemas import Schema
from app.events import service, stream
from app.events.schemas import EventPageOut
from app.events.slots import StreamAdmission

_bearer = HTTPBearer(auto_error=False)


class StreamTokenOut(Schema):
    token: str
    expires_in: int


router = APIRouter(tags=["events"])


@router.get(
    "/events/",
    response_model=EventPageOut,
    responses=responses(400, 401, 403),
    summary="Events the caller may see, oldest first after `cursor` (or `after`) (any signed-in "
    "user: admins all; approved agents their tickets' and the queue's public ones; customers "
    "the public events of their own tickets)",
)
async def feed(
    user: CurrentUser,
    db: DbDep,
    cursor: Annotated[
        str | None, Query(max_length=20, description="next_cursor of the previous page")
    ] = None,
    after: Annotated[
        str | None, Query(max_length=20, description="An event id; the same as cursor")
    ] = None,
    types: Annotated[str | None, Query(max_length=1000, description="Comma list")] = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> EventPageOut:
    return await service.read_feed(
        db=db, user=user, cursor=cursor, after=after, types=types, limit=limit
    )


@router.post(
    "/events/stream-token/",
    response_model=StreamTokenOut,
    responses=responses(401, 403),
    summary="A single-use token, valid for a minute, to open the stream as ?token= from an "
    "EventSource (any signed-in user)",
)
async def stream_token(user: CurrentUser, db: DbDep) -> StreamTokenOut:
    token = await service.issue_stream_token(db=db, user=user)
    return StreamTokenOut(token=token, expires_in=service.STREAM_TOKEN_SECONDS)


async def stream_caller(
    db: DbDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    token: Annotated[
        str | None, Query(pattern=r"^[A-Za-z0-9_-]{20,128}$", description="From stream-token")
    ] = None,
) -> User:
    """The Authorization header (fetch-based clients), or a single-use stream token."""
    if credentials is not None:
        user = await auth_service.load_current_user(
            db=db, settings=settings, token=credentials.credentials
        )
    elif token is not None:
        user_id, session = await service.spend_stream_token(db=db, token=token)
        user = await auth_service.load_user(db=db, user_id=user_id, session=session)
    else:
        raise NotAuthenticated()
    set_request_caller(str(user.id))
    return user


@router.get(
    "/events/stream/",
    response_class=StreamingResponse,
    responses={
        200: {"description": "text/event-stream", "content": {"text/event-stream": {}}},
        **responses(400, 401, 403, 429),
    },
    summary="The feed as Server-Sent Events, resumable with Last-Event-ID (any signed-in user)",
)
async def event_stream(
    request: Request,
    user: Annotated[User, Depends(stream_caller)],
    db: DbDep,
    settings: SettingsDep,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    broadcaster: stream.Broadcaster = request.app.state.broadcaster
    admission: StreamAdmission = request.app.state.stream_admission
    slot = await admission.admit(user.id)  # 429 here, before the stream starts
    try:
        after = await stream.start_position(broadcaster, last_event_id)
    except BaseException:
        await slot.release()
        raise

    async def body() -> AsyncIterator[str]:
        try:
            async for chunk in stream.sse(
                db,
                broadcaster,
                user,
                after=after,
                heartbeat=settings.stream_heartbeat_seconds,
                max_seconds=settings.stream_max_seconds,
            ):
                if slot.lost:  # its place may be another stream's now: the client reconnects
                    return
                yield chunk
        finally:
            await slot.release()

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
