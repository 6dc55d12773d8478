"""A request on one ticket, in one order everywhere: authenticate (the user dependency, with
its role), load (`CurrentTicket`, which 404s once), authorise (`policy.permit`, once, chained
on the loader), then the precondition (If-Match, chained on the permit)."""

from datetime import datetime
from typing import Annotated

from bson import ObjectId
from fastapi import Depends, Header, Query

from app.auth.deps import AdminUser, CurrentUser, CustomerUser, StaffUser
from app.auth.principal import User
from app.core.clock import as_utc
from app.core.deps import DbDep
from app.core.errors import AppError, FieldError
from app.core.ids import IdStr
from app.tickets import policy, service
from app.tickets.documents import Category, Priority, TicketDoc, TicketStatus, names_etag
from app.tickets.lists import Sort, TicketFilters
from app.tickets.policy import Action, Permit
from app.tickets.sla import SlaState
from app.tickets.tags import normalised_tag


async def get_ticket(db: DbDep, ticket_id: str) -> TicketDoc:
    return await service.get_ticket(db=db, ticket_id=ticket_id)


CurrentTicket = Annotated[TicketDoc, Depends(get_ticket)]


async def require_ticket_reader(user: CurrentUser) -> User:
    policy.ensure_may_read_tickets(user)
    return user


TicketReader = Annotated[User, Depends(require_ticket_reader)]


async def permit_viewing(user: TicketReader, ticket: CurrentTicket) -> Permit:
    return policy.permit(user, ticket, Action.VIEW)


async def permit_work(user: StaffUser, ticket: CurrentTicket) -> Permit:
    return policy.permit(user, ticket, Action.WORK)


async def permit_reply(user: TicketReader, ticket: CurrentTicket) -> Permit:
    return policy.permit(user, ticket, Action.REPLY)


async def permit_feedback(user: CustomerUser, ticket: CurrentTicket) -> Permit:
    return policy.permit(user, ticket, Action.GIVE_FEEDBACK)


MayView = Annotated[Permit, Depends(permit_viewing)]
MayWork = Annotated[Permit, Depends(permit_work)]
MayReply = Annotated[Permit, Depends(permit_reply)]
MayGiveFeedback = Annotated[Permit, Depends(permit_feedback)]


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
    tag: Annotated[
        list[str] | None,
        Query(description="Tickets that have every tag given: repeat it or give a comma list"),
    ] = None,
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
        tags=_tags(tag),
        sort=sort,
    )


def _tags(values: list[str] | None) -> tuple[str, ...]:
    """`tag` repeated or as a comma list."""
    named = [v for value in values or [] for v in value.split(",") if v.strip()]
    try:
        return tuple(dict.fromkeys(normalised_tag(v) for v in named))
    except ValueError as invalid:
        raise FieldError("tag", str(invalid)) from None


async def customer_filters(status: Statuses = None, q: Words = None) -> TicketFilters:
    return TicketFilters(statuses=_statuses(status), q=q)


StaffFilters = Annotated[TicketFilters, Depends(staff_filters)]
CustomerFilters = Annotated[TicketFilters, Depends(customer_filters)]


# --- optimistic concurrency: checked after the permit, so a caller who may not act is told
# so (403) whatever ETag they send ---------------------------------------------------------

STALE = "The ticket has changed since you read it; reload it and try again"

IfMatchHeader = Annotated[
    str | None,
    Header(description="The ETag of the ticket as you read it: 412 if it has changed since"),
]


def ensure_unchanged(ticket: TicketDoc, if_match: str | None, *, internal: bool) -> None:
    """`If-Match`: the change applies only to the ticket as the caller last read it, compared
    with the ETag of the caller's own view (documents.etag)."""
    if if_match is not None and not names_etag(if_match, ticket, internal=internal):
        raise AppError(STALE, status_code=412, code="precondition_failed")


async def unchanged_for_work(permit: MayWork, if_match: IfMatchHeader = None) -> Permit:
    ensure_unchanged(permit.ticket, if_match, internal=permit.internal)
    return permit


async def unchanged_for_reply(permit: MayReply, if_match: IfMatchHeader = None) -> Permit:
    ensure_unchanged(permit.ticket, if_match, internal=permit.internal)
    return permit


async def unchanged_for_reassignment(
    admin: AdminUser, ticket: CurrentTicket, if_match: IfMatchHeader = None
) -> TicketDoc:
    """Reassignment depends on the caller's role only (AdminUser); then If-Match."""
    ensure_unchanged(ticket, if_match, internal=policy.can_read_internal(admin))
    return ticket


MayWorkUnchanged = Annotated[Permit, Depends(unchanged_for_work)]
MayReplyUnchanged = Annotated[Permit, Depends(unchanged_for_reply)]
ReassignableTicket = Annotated[TicketDoc, Depends(unchanged_for_reassignment)]
