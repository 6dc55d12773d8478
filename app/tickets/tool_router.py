"""The agent tools on tickets: tags (POST /api/support/tickets/{ticket_id}/tags/) and bulk
changes (POST /api/support/tickets/bulk/)."""

from fastapi import APIRouter, Response

from app.auth.deps import StaffUser
from app.core.deps import DbDep
from app.core.errors import responses
from app.tickets import bulk, tags
from app.tickets.deps import MayWorkUnchanged
from app.tickets.documents import etag
from app.tickets.tool_schemas import BulkIn, BulkOut, TagsIn, TagsUpdatedOut, TicketTags

router = APIRouter(tags=["tickets"])

TAGS_DESCRIPTION = """Who: the agent assigned to the ticket, or an admin (like every change of a
ticket's work).

Adds and removes tags: staff-only labels (lowercase letters, digits, `-`, `_`; 1-32
characters; at most 20 a ticket), never shown to customers. Tags are normalised to lowercase.
Adding a tag the ticket has, or removing one it has not, changes nothing; a change that
changes nothing records no event. Otherwise an internal `ticket.tags_changed` event records
what was `added` and `removed`. Simultaneous edits never lose each other's tags. More than 20
tags after the change is a 400 on `add`; an invalid tag a 400 on its field; a Closed ticket
is refused (`ticket_closed`)."""

BULK_DESCRIPTION = """Who: approved agents and admins; `assign_to` admins only (403 otherwise).

The same change for up to 100 tickets (each named once), each authorised and changed on its
own as if changed one by one: the same transitions, guards and events, one ticket's failure
undoing nothing of another's. One ticket's change is one transaction, applied in this order:
`assign_to`, `note` (an internal note), `add_tags`/`remove_tags`, then `set_status` and
`set_priority`. The results follow the order given: `{"ticket_id", "ok": true, "ticket"}` or
`{"ticket_id", "ok": false, "error": {"error", "code"}}`; a ticket the caller may not see
fails as `not_found`, like one that does not exist. Send `Idempotency-Key` to retry safely."""


@router.post(
    "/support/tickets/bulk/",
    response_model=BulkOut,
    responses=responses(400, 401, 403, 404, 409, 413),
    summary="Change many tickets at once, each on its own (approved agents, admins)",
    description=BULK_DESCRIPTION,
)
async def bulk_change_tickets(data: BulkIn, staff: StaffUser, db: DbDep) -> BulkOut:
    return BulkOut(results=await bulk.change_tickets(db=db, by=staff, data=data))


@router.post(
    "/support/tickets/{ticket_id}/tags/",
    response_model=TagsUpdatedOut,
    responses=responses(400, 401, 403, 404, 409, 412, 413),
    summary="Add and remove a ticket's tags (the assigned agent, admins)",
    description=TAGS_DESCRIPTION,
)
async def update_ticket_tags(
    data: TagsIn, permit: MayWorkUnchanged, db: DbDep, response: Response
) -> TagsUpdatedOut:
    updated = await tags.change_tags(db=db, permit=permit, add=data.add, remove=data.remove)
    response.headers["ETag"] = etag(updated, internal=True)
    return TagsUpdatedOut(message="Tags updated successfully", ticket=TicketTags.from_doc(updated))
