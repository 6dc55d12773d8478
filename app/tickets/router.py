"""The ticket workflow of the API reference: /api/support/tickets/..., the agent queue
(/api/agent/tickets/) and the admin list (/api/admin/support/tickets/)."""

from typing import Annotated, Literal

from bson import ObjectId
from fastapi import APIRouter, Header, Response, status

from app.auth.deps import AdminUser, ApprovedAgent, CustomerUser
from app.core.clock import utcnow
from app.core.deps import DEFAULT_LIMIT, DbDep, PageCursor, PageLimit, SettingsDep
from app.core.errors import responses
from app.events.schemas import EventPageOut
from app.tickets import activity, lists, service
from app.tickets.deps import (
    CurrentTicket,
    CustomerFilters,
    MayGiveFeedback,
    MayView,
    MayWork,
    MayWorkUnchanged,
    ReassignableTicket,
    StaffFilters,
)
from app.tickets.documents import etag, names_etag
from app.tickets.feedback_schemas import FeedbackCreatedOut, FeedbackIn, FeedbackSummary
from app.tickets.schemas import (
    AdminTicketList,
    AdminTicketListItem,
    AgentTicketList,
    AgentTicketListItem,
    AssignedOut,
    AssignmentSummary,
    CustomerTicketDetail,
    CustomerTicketList,
    NoteCreatedOut,
    NoteCreatedSummary,
    NoteIn,
    ReassignedOut,
    ReassignIn,
    ReassignmentSummary,
    StaffTicketDetail,
    StatusSummary,
    StatusUpdatedOut,
    TicketCreate,
    TicketCreatedOut,
    TicketCreatedSummary,
    TicketDetail,
    TicketListItem,
    TicketStatusUpdate,
)

router = APIRouter(tags=["tickets"])

UPDATE_STATUS_DESCRIPTION = """Who: the agent assigned to the ticket, or an admin.

Changes the status, the priority, or both (give at least one). Allowed transitions:

| From | To |
|---|---|
| Open | In Progress |
| In Progress | On Hold, Resolved |
| On Hold | In Progress, Resolved |
| Resolved | Closed, In Progress (reopening) |
| Closed | (final: nothing changes, not even the priority) |

Staying in the same status is always allowed. A priority change recomputes the SLA deadlines
from the ticket's creation; On Hold pauses the resolution clock; reopening restarts it.
A transition the table forbids is a 400 on `status`; a ticket reassigned or changed since it
was read is a 409 (`changed_concurrently`)."""


@router.post(
    "/support/tickets/create/",
    status_code=status.HTTP_201_CREATED,
    response_model=TicketCreatedOut,
    responses=responses(400, 401, 403, 413),
    summary="Create a support ticket (customers)",
)
async def create_ticket(data: TicketCreate, customer: CustomerUser, db: DbDep) -> TicketCreatedOut:
    ticket = await service.create_ticket(db=db, customer=customer, data=data)
    return TicketCreatedOut(
        message="Support ticket created successfully", ticket=TicketCreatedSummary.from_doc(ticket)
    )


@router.get(
    "/support/tickets/",
    response_model=CustomerTicketList,
    responses=responses(400, 401, 403),
    summary="List the caller's own tickets, newest first (customers)",
)
async def list_my_tickets(
    customer: CustomerUser,
    db: DbDep,
    filters: CustomerFilters,
    limit: PageLimit = DEFAULT_LIMIT,
    cursor: PageCursor = None,
) -> CustomerTicketList:
    now = utcnow()
    page, next_cursor = await lists.list_for_customer(
        db=db, customer=customer, filters=filters, limit=limit, cursor=cursor, now=now
    )
    return CustomerTicketList(
        tickets=[TicketListItem.at(t, now) for t in page], next_cursor=next_cursor
    )


@router.get(
    "/support/tickets/{ticket_id}/",
    response_model=TicketDetail,
    responses={
        **responses(400, 401, 403, 404),
        304: {"description": "Unchanged since If-None-Match"},
    },
    summary="Ticket detail: the owner sees no internal notes; the agent and admins do",
)
async def ticket_detail(
    permit: MayView,
    db: DbDep,
    response: Response,
    if_none_match: Annotated[
        str | None, Header(description="A previous ETag: 304 if unchanged")
    ] = None,
) -> StaffTicketDetail | CustomerTicketDetail | Response:
    """The ETag is the caller's view's: a customer's changes only with what they can see."""
    tag = etag(permit.ticket, internal=permit.internal)
    if if_none_match is not None and names_etag(
        if_none_match, permit.ticket, internal=permit.internal
    ):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return await service.read_ticket(db=db, permit=permit)


@router.put(
    "/support/tickets/{ticket_id}/update-status/",
    response_model=StatusUpdatedOut,
    responses=responses(400, 401, 403, 404, 409, 412, 413),
    summary="Change status and/or priority (the assigned agent, admins)",
    description=UPDATE_STATUS_DESCRIPTION,
)
async def update_status(
    data: TicketStatusUpdate, permit: MayWorkUnchanged, db: DbDep, response: Response
) -> StatusUpdatedOut:
    updated = await service.update_status(db=db, permit=permit, data=data)
    response.headers["ETag"] = etag(updated, internal=True)
    return StatusUpdatedOut(
        message="Ticket status updated successfully", ticket=StatusSummary.from_doc(updated)
    )


@router.post(
    "/support/tickets/{ticket_id}/assign-self/",
    response_model=AssignedOut,
    responses=responses(400, 401, 403, 404, 409),
    summary="Take an unassigned ticket (approved agents)",
)
async def assign_self(
    agent: ApprovedAgent, ticket: CurrentTicket, db: DbDep, response: Response
) -> AssignedOut:
    updated = await service.assign_self(db=db, ticket=ticket, agent=agent)
    response.headers["ETag"] = etag(updated, internal=True)
    return AssignedOut(
        message="Ticket assigned to you successfully", ticket=AssignmentSummary.from_doc(updated)
    )


@router.post(
    "/support/tickets/{ticket_id}/reassign/",
    response_model=ReassignedOut,
    responses=responses(400, 401, 403, 404, 409, 412, 413),
    summary="Give a ticket to an approved agent (admins)",
)
async def reassign(
    data: ReassignIn, admin: AdminUser, ticket: ReassignableTicket, db: DbDep, response: Response
) -> ReassignedOut:
    updated = await service.reassign(
        db=db, ticket=ticket, agent_id=ObjectId(data.agent_id), by=admin
    )
    response.headers["ETag"] = etag(updated, internal=True)
    return ReassignedOut(
        message="Ticket reassigned successfully", ticket=ReassignmentSummary.from_doc(updated)
    )


@router.post(
    "/support/tickets/{ticket_id}/add-note/",
    status_code=status.HTTP_201_CREATED,
    response_model=NoteCreatedOut,
    responses=responses(400, 401, 403, 404, 409, 413),
    summary="Add an internal note, never shown to the customer (the assigned agent, admins)",
)
async def add_note(data: NoteIn, permit: MayWork, db: DbDep) -> NoteCreatedOut:
    note = await activity.add_internal_note(db=db, permit=permit, data=data)
    return NoteCreatedOut(
        message="Internal note added successfully", note=NoteCreatedSummary.from_doc(note)
    )


@router.post(
    "/support/tickets/{ticket_id}/feedback/",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackCreatedOut,
    responses=responses(400, 401, 403, 404, 413),
    summary="Rate a resolved ticket, once (the owning customer)",
)
async def submit_feedback(
    data: FeedbackIn, permit: MayGiveFeedback, db: DbDep
) -> FeedbackCreatedOut:
    feedback = await activity.submit_feedback(db=db, permit=permit, data=data)
    return FeedbackCreatedOut(
        message="Feedback submitted successfully",
        feedback=FeedbackSummary.from_doc(feedback, rating=str(feedback["rating"])),
    )


@router.get(
    "/support/tickets/{ticket_id}/events/",
    response_model=EventPageOut,
    responses=responses(400, 401, 403, 404),
    summary="The ticket's timeline, oldest first (whoever may view the ticket; customers see "
    "its public events)",
)
async def ticket_events(
    permit: MayView, db: DbDep, limit: PageLimit = DEFAULT_LIMIT, cursor: PageCursor = None
) -> EventPageOut:
    return await lists.read_timeline(db=db, permit=permit, limit=limit, cursor=cursor)


@router.get(
    "/agent/tickets/",
    response_model=AgentTicketList,
    responses=responses(400, 401, 403),
    summary="The caller's tickets plus the unassigned queue, filtered and sorted (approved agents)",
)
async def agent_tickets(
    agent: ApprovedAgent,
    db: DbDep,
    settings: SettingsDep,
    filters: StaffFilters,
    assigned: Literal["me", "unassigned"] | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
    cursor: PageCursor = None,
) -> AgentTicketList:
    now = utcnow()
    page, next_cursor = await lists.list_queue_for_agent(
        db=db,
        agent=agent,
        filters=filters,
        assigned_to=assigned,
        limit=limit,
        cursor=cursor,
        now=now,
        at_risk=settings.sla_at_risk,
    )
    return AgentTicketList(
        tickets=[AgentTicketListItem.at(t, now) for t in page], next_cursor=next_cursor
    )


@router.get(
    "/admin/support/tickets/",
    response_model=AdminTicketList,
    responses=responses(400, 401, 403),
    summary="All tickets with customer and agent names, newest first by default (admins)",
)
async def all_tickets(
    admin: AdminUser,
    db: DbDep,
    settings: SettingsDep,
    filters: StaffFilters,
    limit: PageLimit = DEFAULT_LIMIT,
    cursor: PageCursor = None,
) -> AdminTicketList:
    now = utcnow()
    page, next_cursor = await lists.list_all_for_admin(
        db=db,
        admin=admin,
        filters=filters,
        limit=limit,
        cursor=cursor,
        now=now,
        at_risk=settings.sla_at_risk,
    )
    return AdminTicketList(
        tickets=[AdminTicketListItem.at(t, now) for t in page], next_cursor=next_cursor
    )
