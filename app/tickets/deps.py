"""The ticket loader (`CurrentTicket`, which 404s once) and the policy checks chained on it,
for the early 403/404. The service checks the policy again itself."""

from datetime import datetime
from typing import Annotated

from bson import ObjectId
from fastapi import Depends, Header, Query

from app.auth.deps import CurrentUser, CustomerUser, StaffUser
from app.auth.principal import User
from app.core.clock import as_utc
from app.core.deps import DbDep
from app.core.errors import AppError, FieldError
from app.core.ids import IdStr
from app.tickets import policy, service
from app.tickets.documents import Category, Priority, TicketDoc, TicketStatus, names_etag
from app.tickets.lists import Sort, TicketFilters
from app.tickets.sla import SlaState


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


# --- list filters ---------------------------------------------------------------------------


def _statuses(values: list[str] | None) -> tuple[TicketStatus, ...]:
    """`status` repeated or as a comma list."""
    named = [v.strip() for value in values or [] for v in value.split(",") if v.strip()]
    try:
        return tuple(dict.fromkeys(TicketStatus(v) for v in named))
    except ValueError:
        allowed = ", ".join(s.value for s in TicketStatus)
        raise FieldError("status", f"Each status must be one of: {allowed}.") from None


Statuses = Annotated[
    list[str] | None,
    Query(description="Repeat it or give a comma list: `status=Open,In Progress`"),
]
Words = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Words that subject, description, delivery id or public replies all "
        "contain (case and accents ignored; 3+ letters match word beginnings)",
    ),
]


async def staff_filters(
    status: Statuses = None,
    category: Category | None = None,
    priority: Priority | None = None,
    agent_id: IdStr | None = None,
    customer_id: IdStr | None = None,
    unassigned: bool = False,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    updated_after: datetime | None = None,
    sla: Annotated[SlaState | None, Query(description="The SLA state now")] = None,
    q: Words = None,
    sort: Sort = "-created_at",
) -> TicketFilters:
    return TicketFilters(
        statuses=_statuses(status),
        category=category,
        priority=priority,
        agent_id=ObjectId(agent_id) if agent_id else None,
        customer_id=ObjectId(customer_id) if customer_id else None,
        unassigned=unassigned,
        created_after=as_utc(created_after),
        created_before=as_utc(created_before),
        updated_after=as_utc(updated_after),
        sla=sla,
        q=q,
        sort=sort,
    )


async def customer_filters(status: Statuses = None, q: Words = None) -> TicketFilters:
    return TicketFilters(statuses=_statuses(status), q=q)


StaffFilters = Annotated[TicketFilters, Depends(staff_filters)]
CustomerFilters = Annotated[TicketFilters, Depends(customer_filters)]


# --- optimistic concurrency -----------------------------------------------------------------

STALE = "The ticket has changed since you read it; reload it and try again"


async def check_if_match(
    ticket: CurrentTicket,
    if_match: Annotated[
        str | None,
        Header(description="The ETag of the ticket as you read it: 412 if it has changed since"),
    ] = None,
) -> TicketDoc:
    """`If-Match`: the change applies only to the ticket as the caller last read it."""
    if if_match is not None and not names_etag(if_match, ticket):
        raise AppError(STALE, status_code=412, code="precondition_failed")
    return ticket


IfMatch = Annotated[TicketDoc, Depends(check_if_match)]
