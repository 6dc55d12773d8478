"""Presence on a ticket (app/presence/): staff who may see it say they are viewing it or
typing a reply, and learn who else is."""

from typing import Annotated

from fastapi import APIRouter, Depends

from app.auth.deps import StaffUser
from app.core.deps import DbDep
from app.core.errors import responses
from app.core.schemas import MessageOut
from app.presence import service
from app.presence.schemas import PresenceIn, PresenceOut, ViewerOut
from app.tickets import policy
from app.tickets.deps import CurrentTicket
from app.tickets.policy import Action, Permit

router = APIRouter(tags=["tickets"])
URL = "/support/tickets/{ticket_id}/presence/"


async def permit_presence(user: StaffUser, ticket: CurrentTicket) -> Permit:
    return policy.permit(user, ticket, Action.VIEW)


MayBePresent = Annotated[Permit, Depends(permit_presence)]


@router.post(
    URL,
    response_model=PresenceOut,
    responses=responses(400, 401, 403, 404, 413),
    summary="Heartbeat: the caller is viewing the ticket, or typing (staff who may see it)",
    description="Who: approved agents and admins who may see the ticket. Send it every few "
    "seconds while the ticket is open: it holds for 30 s. A change (arriving, starting or "
    "stopping typing) is an internal `ticket.presence` event; a repeated state is none. "
    "Answers the other staff on the ticket now.",
)
async def beat_presence(data: PresenceIn, permit: MayBePresent, db: DbDep) -> PresenceOut:
    others = await service.beat(db=db, ticket=permit.ticket, user=permit.user, state=data.state)
    return PresenceOut(viewers=[ViewerOut.from_doc(v) for v in others])


@router.delete(
    URL,
    response_model=MessageOut,
    responses=responses(401, 403, 404),
    summary="Leave the ticket (staff who may see it)",
    description="Who: approved agents and admins who may see the ticket. Ends the caller's "
    "presence at once (a `ticket.presence` event with state `left`) instead of at its expiry.",
)
async def leave_presence(permit: MayBePresent, db: DbDep) -> MessageOut:
    await service.leave(db=db, ticket=permit.ticket, user=permit.user)
    return MessageOut(message="Presence ended")
