"""Auto-assignment: /api/admin/assignment/ (admins) and /api/agent/availability/ (each
approved agent, their own)."""

from fastapi import APIRouter

from app.assignment import service
from app.assignment.schemas import (
    AssignmentSettings,
    AssignmentSettingsIn,
    AvailabilityIn,
    AvailabilityOut,
)
from app.auth.deps import AdminUser, ApprovedAgent
from app.core.deps import DbDep
from app.core.errors import responses

router = APIRouter(tags=["assignment"])

SETTINGS_PATH = "/admin/assignment/"
AVAILABILITY_PATH = "/agent/availability/"


@router.get(
    SETTINGS_PATH,
    response_model=AssignmentSettings,
    responses=responses(401, 403),
    summary="Auto-assignment settings (admins)",
    description="Admins only. `mode` off (the default) leaves new tickets in the queue.",
)
async def get_assignment(admin: AdminUser, db: DbDep) -> AssignmentSettings:
    return AssignmentSettings.model_validate(await service.read_settings(db=db, admin=admin))


@router.put(
    SETTINGS_PATH,
    response_model=AssignmentSettings,
    responses=responses(400, 401, 403, 413),
    summary="Change the auto-assignment settings (admins)",
    description="Admins only. `load_balanced`: a new ticket goes to the available agent with "
    "the fewest tickets Open or In Progress, below `max_open_per_agent`; tickets nobody can "
    "take wait, and are handed out oldest first as agents make room.",
)
async def put_assignment(
    data: AssignmentSettingsIn, admin: AdminUser, db: DbDep
) -> AssignmentSettings:
    doc = await service.replace_settings(db=db, admin=admin, data=data)
    return AssignmentSettings.model_validate(doc)


@router.get(
    AVAILABILITY_PATH,
    response_model=AvailabilityOut,
    responses=responses(401, 403),
    summary="The caller's availability for auto-assignment (approved agents)",
    description="Approved support agents only, their own; admins are not agents (403).",
)
async def get_availability(agent: ApprovedAgent, db: DbDep) -> AvailabilityOut:
    return await service.read_availability(db=db, agent=agent)


@router.put(
    AVAILABILITY_PATH,
    response_model=AvailabilityOut,
    responses=responses(400, 401, 403, 413),
    summary="Switch the caller's availability for auto-assignment (approved agents)",
    description="Approved support agents only, their own. Available, they may be given "
    "waiting tickets at once.",
)
async def put_availability(
    data: AvailabilityIn, agent: ApprovedAgent, db: DbDep
) -> AvailabilityOut:
    return await service.set_availability(db=db, agent=agent, data=data)
