"""/api/support/tickets/...: the ticket workflow of the API reference."""

from fastapi import APIRouter, status

from app.deps import (
    DEFAULT_LIMIT,
    AdminUser,
    ApprovedAgent,
    CurrentTicket,
    CurrentUser,
    CustomerUser,
    DbDep,
    OwnTicket,
    PageCursor,
    PageLimit,
    StaffUser,
    ViewableTicket,
    WorkableTicket,
)
from app.errors import responses
from app.models.tickets import (
    AssignedOut,
    AssignmentSummary,
    CustomerTicketDetail,
    CustomerTicketList,
    FeedbackCreatedOut,
    FeedbackIn,
    FeedbackSummary,
    NoteCreatedOut,
    NoteCreatedSummary,
    NoteIn,
    NoteOut,
    ReassignedOut,
    ReassignIn,
    ReassignmentSummary,
    StaffTicketDetail,
    StatusSummary,
    StatusUpdatedOut,
    TicketCreate,
    TicketCreatedOut,
    TicketCreatedSummary,
    TicketListItem,
    TicketOut,
    TicketStatusUpdate,
)
from app.services import tickets

router = APIRouter(prefix="/support/tickets", tags=["tickets"])


@router.post(
    "/create/",
    status_code=status.HTTP_201_CREATED,
    response_model=TicketCreatedOut,
    responses=responses(400, 401, 403),
    summary="Create a support ticket (customers)",
)
async def create_ticket(data: TicketCreate, customer: CustomerUser, db: DbDep) -> TicketCreatedOut:
    ticket = await tickets.create_ticket(db, customer=customer, data=data)
    return TicketCreatedOut(
        message="Support ticket created successfully", ticket=TicketCreatedSummary.from_doc(ticket)
    )


@router.get(
    "/",
    response_model=CustomerTicketList,
    responses=responses(400, 401, 403),
    summary="List the caller's own tickets, newest first (customers)",
)
async def list_my_tickets(
    customer: CustomerUser, db: DbDep, limit: PageLimit = DEFAULT_LIMIT, cursor: PageCursor = None
) -> CustomerTicketList:
    page, next_cursor = await tickets.list_for_customer(
        db, customer=customer, limit=limit, cursor=cursor
    )
    return CustomerTicketList(
        tickets=[TicketListItem.from_doc(t) for t in page], next_cursor=next_cursor
    )


@router.get(
    "/{ticket_id}/",
    response_model=StaffTicketDetail | CustomerTicketDetail,
    responses=responses(401, 403, 404),
    summary="Ticket detail: the owner sees no internal notes; agents and admins do",
)
async def ticket_detail(
    ticket: ViewableTicket, user: CurrentUser, db: DbDep
) -> StaffTicketDetail | CustomerTicketDetail:
    notes = await tickets.internal_notes_visible_to(db, ticket=ticket, user=user)
    if notes is None:
        return CustomerTicketDetail(ticket=TicketOut.from_doc(ticket))
    return StaffTicketDetail(
        ticket=TicketOut.from_doc(ticket), internal_notes=[NoteOut.from_doc(n) for n in notes]
    )


@router.put(
    "/{ticket_id}/update-status/",
    response_model=StatusUpdatedOut,
    responses=responses(400, 401, 403, 404, 409),
    summary="Change status and/or priority (assigned agent, admin)",
)
async def update_status(
    data: TicketStatusUpdate, user: StaffUser, ticket: WorkableTicket, db: DbDep
) -> StatusUpdatedOut:
    updated = await tickets.update_status(db, ticket=ticket, data=data, by=user)
    return StatusUpdatedOut(
        message="Ticket status updated successfully", ticket=StatusSummary.from_doc(updated)
    )


@router.post(
    "/{ticket_id}/assign-self/",
    response_model=AssignedOut,
    responses=responses(400, 401, 403, 404),
    summary="Take an unassigned ticket (approved agents)",
)
async def assign_self(agent: ApprovedAgent, ticket: CurrentTicket, db: DbDep) -> AssignedOut:
    updated = await tickets.assign_to_agent(db, ticket=ticket, agent=agent)
    return AssignedOut(
        message="Ticket assigned to you successfully", ticket=AssignmentSummary.from_doc(updated)
    )


@router.post(
    "/{ticket_id}/reassign/",
    response_model=ReassignedOut,
    responses=responses(400, 401, 403, 404),
    summary="Give a ticket to an approved agent (admins)",
)
async def reassign(
    data: ReassignIn, admin: AdminUser, ticket: CurrentTicket, db: DbDep
) -> ReassignedOut:
    updated = await tickets.reassign(db, ticket=ticket, agent_id=data.agent_id, admin=admin)
    return ReassignedOut(
        message="Ticket reassigned successfully", ticket=ReassignmentSummary.from_doc(updated)
    )


@router.post(
    "/{ticket_id}/add-note/",
    status_code=status.HTTP_201_CREATED,
    response_model=NoteCreatedOut,
    responses=responses(400, 401, 403, 404),
    summary="Add an internal note, never shown to the customer (assigned agent, admin)",
)
async def add_note(
    data: NoteIn, user: StaffUser, ticket: WorkableTicket, db: DbDep
) -> NoteCreatedOut:
    note = await tickets.add_internal_note(db, ticket=ticket, author=user, data=data)
    return NoteCreatedOut(
        message="Internal note added successfully", note=NoteCreatedSummary.from_doc(note)
    )


@router.post(
    "/{ticket_id}/feedback/",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackCreatedOut,
    responses=responses(400, 401, 403, 404),
    summary="Rate a resolved ticket, once (owning customer)",
)
async def submit_feedback(data: FeedbackIn, ticket: OwnTicket, db: DbDep) -> FeedbackCreatedOut:
    feedback = await tickets.submit_feedback(db, ticket=ticket, data=data)
    return FeedbackCreatedOut(
        message="Feedback submitted successfully",
        feedback=FeedbackSummary.from_doc(feedback, rating=str(feedback["rating"])),
    )
