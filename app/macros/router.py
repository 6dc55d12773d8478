"""Macros: /api/admin/macros/ (admins), /api/agent/macros/ (staff), and applying one to a
ticket."""

from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse

from app.auth.deps import AdminUser, StaffUser
from app.core.clock import utcnow
from app.core.deps import DbDep
from app.core.errors import responses
from app.core.schemas import MessageOut
from app.macros import apply, service
from app.macros.schemas import MacroAppliedOut, MacroIn, MacroListOut, MacroOut, MacroSavedOut
from app.replies.schemas import ReplyOut
from app.tickets.deps import IfMatchHeader, MayWork
from app.tickets.documents import etag
from app.tickets.schemas import NoteCreatedSummary, StaffTicketOut

router = APIRouter(tags=["macros"])
URL = "/admin/macros/"
SAVE = """Who: admins.

A title and at least one action: `reply` (a public reply) and `note` (an internal note) are
templates with `{{ customer.name }}`, `{{ ticket.id }}`, `{{ ticket.subject }}`,
`{{ agent.name }}` and the `default` filter; one that cannot be used is a 400 on its field.
`set_status`, `set_priority`, `add_tags` and `remove_tags` (tags as the tags endpoint takes
them; a tag both added and removed is refused)."""
APPLY = """Who: staff who may work on the ticket (its agent, an admin).

Does everything the macro says in one transaction with its events, in this order: the public
reply (`reply.created`, `via: "web"`; a first reply meets the first-response deadline), the
internal note (`note.created`), the tags (`ticket.tags_changed`), then the status and priority
(`ticket.status_changed`, `ticket.priority_changed`), the templates filled in with the
customer's name, the ticket's id and subject and the caller's name. A step that refuses
refuses it all, nothing written: a status the workflow does not allow from the ticket's is a
400 on `set_status`, a Closed ticket 400 `ticket_closed`, a filled-in reply or note too long
a 400 on `reply` or `note`. `If-Match` is honoured (412 when the ticket changed since); without
it, a change made meanwhile by someone else makes the macro apply to the new state.

`?preview=true` answers the same body (the ticket as it would be, the reply and note as they
would be sent; their ids name nothing stored) and writes nothing; its ETag is the ticket's
as it is, to send as `If-Match` when applying. `reply` and `note` are absent when the macro
has none."""


@router.get(
    URL,
    response_model=MacroListOut,
    responses=responses(401, 403),
    summary="The macros (admins)",
    description=f"Admins only. By title, at most {service.MAX_LISTED}.",
)
async def list_macros(admin: AdminUser, db: DbDep) -> MacroListOut:
    found = await service.list_macros(db=db, user=admin)
    return MacroListOut(macros=[MacroOut.from_doc(m) for m in found])


@router.post(
    URL,
    status_code=status.HTTP_201_CREATED,
    response_model=MacroSavedOut,
    responses=responses(400, 401, 403, 413),
    summary="Save a macro (admins)",
    description=SAVE,
)
async def create_macro(data: MacroIn, admin: AdminUser, db: DbDep) -> MacroSavedOut:
    created = await service.create_macro(db=db, admin=admin, data=data)
    return MacroSavedOut(message="Macro created successfully", macro=MacroOut.from_doc(created))


@router.put(
    URL + "{macro_id}/",
    response_model=MacroSavedOut,
    responses=responses(400, 401, 403, 404, 413),
    summary="Replace a macro (admins)",
    description=SAVE,
)
async def update_macro(macro_id: str, data: MacroIn, admin: AdminUser, db: DbDep) -> MacroSavedOut:
    updated = await service.update_macro(db=db, admin=admin, macro_id=macro_id, data=data)
    return MacroSavedOut(message="Macro updated successfully", macro=MacroOut.from_doc(updated))


@router.delete(
    URL + "{macro_id}/",
    response_model=MessageOut,
    responses=responses(401, 403, 404),
    summary="Delete a macro (admins)",
    description="Admins only.",
)
async def delete_macro(macro_id: str, admin: AdminUser, db: DbDep) -> MessageOut:
    await service.delete_macro(db=db, admin=admin, macro_id=macro_id)
    return MessageOut(message="Macro deleted successfully")


@router.get(
    "/agent/macros/",
    response_model=MacroListOut,
    responses=responses(401, 403),
    summary="The macros, to apply (staff)",
    description=f"Approved agents and admins. By title, at most {service.MAX_LISTED}.",
)
async def list_macros_for_staff(staff: StaffUser, db: DbDep) -> MacroListOut:
    found = await service.list_macros(db=db, user=staff)
    return MacroListOut(macros=[MacroOut.from_doc(m) for m in found])


@router.post(
    "/support/tickets/{ticket_id}/macros/{macro_id}/apply/",
    response_model=MacroAppliedOut,
    responses=responses(400, 401, 403, 404, 409, 412),
    summary="Apply a macro to a ticket, or preview it (the assigned agent, admins)",
    description=APPLY,
)
async def apply_macro(
    macro_id: str,
    permit: MayWork,
    db: DbDep,
    if_match: IfMatchHeader = None,
    preview: Annotated[bool, Query(description="Answer what it would do; write nothing")] = False,
) -> JSONResponse:
    macro = await service.get_macro(db=db, macro_id=macro_id)
    done = await apply.apply_macro(
        db=db, permit=permit, macro=macro, if_match=if_match, preview=preview
    )
    answer = MacroAppliedOut(
        message="Macro applied successfully",
        ticket=StaffTicketOut.at(done.ticket, utcnow()),
        reply=ReplyOut.from_doc(done.reply) if done.reply else None,
        note=NoteCreatedSummary.from_doc(done.note) if done.note else None,
    )
    absent = {field for field in ("reply", "note") if getattr(answer, field) is None}
    return JSONResponse(
        answer.model_dump(mode="json", exclude=absent),
        headers={"ETag": etag(permit.ticket if preview else done.ticket, internal=True)},
    )
