"""The ticket loader (`CurrentTicket`, which 404s once) and the policy checks chained on it,
for the early 403/404. The service checks the policy again itself."""

from typing import Annotated

from fastapi import Depends

from app.auth.deps import CurrentUser, CustomerUser, StaffUser
from app.auth.principal import User
from app.core.deps import DbDep
from app.tickets import policy, service
from app.tickets.documents import TicketDoc


async def get_ticket(db: DbDep, ticket_id: str) -> TicketDoc:
    return await service.get_ticket(db=db, ticket_id=ticket_id)


CurrentTicket = Annotated[TicketDoc, Depends(get_ticket)]


async def require_ticket_reader(user: CurrentUser) -> User:
    policy.ensure_may_read_tickets(user)
    return user


TicketReader = Annotated[User, Depends(require_ticket_reader)]


async def get_viewable_ticket(user: TicketReader, ticket: CurrentTicket) -> TicketDoc:
    policy.ensure_can_view(user, ticket)
    return ticket


async def get_workable_ticket(user: StaffUser, ticket: CurrentTicket) -> TicketDoc:
    policy.ensure_can_work_on(user, ticket)
    return ticket


async def get_own_ticket(user: CustomerUser, ticket: CurrentTicket) -> TicketDoc:
    policy.ensure_can_give_feedback(user, ticket)
    return ticket


ViewableTicket = Annotated[TicketDoc, Depends(get_viewable_ticket)]
WorkableTicket = Annotated[TicketDoc, Depends(get_workable_ticket)]
OwnTicket = Annotated[TicketDoc, Depends(get_own_ticket)]
