"""Canned responses: /api/agent/canned-responses/ (staff: approved agents and admins), and
their rendering for one ticket."""

from fastapi import APIRouter, status

from app.auth.deps import StaffUser
from app.canned import service
from app.canned.schemas import CannedIn, CannedListOut, CannedOut, CannedSavedOut, RenderedOut
from app.core.deps import DbDep
from app.core.errors import responses
from app.core.schemas import MessageOut
from app.tickets.deps import MayWork

router = APIRouter(tags=["canned responses"])
URL = "/agent/canned-responses/"
WHO = (
    "Who: approved agents and admins. A personal one is seen and changed by its agent only; "
    "a shared one is seen by all staff, created and changed by admins only."
)


@router.get(
    URL,
    response_model=CannedListOut,
    responses=responses(401, 403),
    summary="The caller's canned responses and the shared ones (staff)",
    description=f"{WHO} The caller's personal ones (at most {service.MAX_PER_OWNER}) by "
    "title, then the shared ones by title.",
)
async def list_canned_responses(user: StaffUser, db: DbDep) -> CannedListOut:
    found = await service.list_canned(db=db, user=user)
    return CannedListOut(canned_responses=[CannedOut.from_doc(c) for c in found])


@router.post(
    URL,
    status_code=status.HTTP_201_CREATED,
    response_model=CannedSavedOut,
    responses=responses(400, 401, 403, 409, 413),
    summary="Save a canned response (staff; shared ones: admins)",
    description=f"{WHO} A body that is not a valid template is a 400 on `body`; a shortcut "
    f"the owner uses already a 409 (`canned_shortcut_taken`); at most "
    f"{service.MAX_PER_OWNER} per agent, and shared ones in all (`canned_response_limit_reached`).",
)
async def create_canned_response(data: CannedIn, user: StaffUser, db: DbDep) -> CannedSavedOut:
    created = await service.create_canned(db=db, user=user, data=data)
    return CannedSavedOut(
        message="Canned response created successfully", canned_response=CannedOut.from_doc(created)
    )


@router.get(
    URL + "{canned_id}/",
    response_model=CannedOut,
    responses=responses(401, 403, 404),
    summary="One canned response (staff: their own or a shared one)",
    description=WHO,
)
async def get_canned_response(canned_id: str, user: StaffUser, db: DbDep) -> CannedOut:
    return CannedOut.from_doc(await service.get_canned(db=db, user=user, canned_id=canned_id))


@router.put(
    URL + "{canned_id}/",
    response_model=CannedSavedOut,
    responses=responses(400, 401, 403, 404, 409, 413),
    summary="Replace a canned response (its owner; shared ones: admins)",
    description=f"{WHO} `shared` cannot change.",
)
async def update_canned_response(
    canned_id: str, data: CannedIn, user: StaffUser, db: DbDep
) -> CannedSavedOut:
    updated = await service.update_canned(db=db, user=user, canned_id=canned_id, data=data)
    return CannedSavedOut(
        message="Canned response updated successfully", canned_response=CannedOut.from_doc(updated)
    )


@router.delete(
    URL + "{canned_id}/",
    response_model=MessageOut,
    responses=responses(401, 403, 404),
    summary="Delete a canned response (its owner; shared ones: admins)",
    description=WHO,
)
async def delete_canned_response(canned_id: str, user: StaffUser, db: DbDep) -> MessageOut:
    await service.delete_canned(db=db, user=user, canned_id=canned_id)
    return MessageOut(message="Canned response deleted successfully")


@router.post(
    "/support/tickets/{ticket_id}/canned-responses/{canned_id}/render/",
    response_model=RenderedOut,
    responses=responses(401, 403, 404),
    summary="A canned response filled in for a ticket (the assigned agent, admins)",
    description="Who: whoever may work on the ticket (its agent, an admin), with a canned "
    "response they may see. Answers the body with the customer's name, the ticket's id and "
    "subject and the caller's name filled in, to edit before sending; nothing is stored.",
)
async def render_canned_response(canned_id: str, permit: MayWork, db: DbDep) -> RenderedOut:
    return RenderedOut(body=await service.render_canned(db=db, permit=permit, canned_id=canned_id))
