"""Merging a customer's duplicate tickets: /api/support/tickets/{ticket_id}/merge/."""

from fastapi import APIRouter, Response

from app.core.clock import utcnow
from app.core.deps import DbDep
from app.core.errors import responses
from app.merges import service
from app.merges.schemas import MAX_SOURCES, MergedOut, MergeIn
from app.tickets.deps import MayWorkUnchanged
from app.tickets.documents import etag
from app.tickets.schemas import TicketOut

router = APIRouter(tags=["tickets"])

MERGE_DESCRIPTION = f"""Who: staff who may work on every ticket named (the agent assigned to
all of them, or an admin).

Folds up to {MAX_SOURCES} duplicate tickets (the sources) of the same customer into this one
(the target), in one transaction: the sources' replies, internal notes and attachments move to
the target, keeping their times; each source becomes Closed with `merged_into` (the target's
id), keeps its feedback and takes no more changes; searching finds the target by the sources'
words. Events `ticket.merged` (public) on the target (`data.source_ticket_ids`) and on each
source (`data.merged_into`); `note` adds an internal note to the target.

Errors: a source unknown or not visible to the caller is a 404; tickets of different
customers a 400 `merge_different_customers`; a Closed or already merged ticket a 400
`ticket_merged`; the target among the sources, a ticket named twice, or no source, a 400 on
`source_ticket_ids`; any ticket changed while merging (another merge too) a 409
`changed_concurrently`, with nothing changed."""


@router.post(
    "/support/tickets/{ticket_id}/merge/",
    response_model=MergedOut,
    responses=responses(400, 401, 403, 404, 409, 412, 413),
    summary="Merge duplicate tickets of one customer into this one (staff working on them all)",
    description=MERGE_DESCRIPTION,
)
async def merge_tickets(
    data: MergeIn, permit: MayWorkUnchanged, db: DbDep, response: Response
) -> MergedOut:
    target = await service.merge_tickets(db=db, permit=permit, data=data)
    response.headers["ETag"] = etag(target, internal=True)
    return MergedOut(message="Tickets merged successfully", ticket=TicketOut.at(target, utcnow()))
