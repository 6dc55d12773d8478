"""The SLA policy: /api/admin/sla-policy/ (admins)."""

from fastapi import APIRouter

from app.auth.deps import AdminUser
from app.core.deps import DbDep
from app.core.errors import responses
from app.sla import service
from app.sla.schemas import SlaPolicyIn, SlaPolicyOut, SlaPolicyUpdatedOut

router = APIRouter(prefix="/admin/sla-policy", tags=["sla"])


@router.get(
    "/",
    response_model=SlaPolicyOut,
    responses=responses(401, 403),
    summary="The SLA policy: targets per priority and the business calendar (admins)",
)
async def get_sla_policy(admin: AdminUser, db: DbDep) -> SlaPolicyOut:
    return SlaPolicyOut.from_doc(await service.read_policy(db=db, admin=admin))


@router.put(
    "/",
    response_model=SlaPolicyUpdatedOut,
    responses=responses(400, 401, 403, 413),
    summary="Replace the SLA policy; applies to tickets created or re-prioritised from now on "
    "(admins)",
)
async def put_sla_policy(data: SlaPolicyIn, admin: AdminUser, db: DbDep) -> SlaPolicyUpdatedOut:
    policy = await service.replace_policy(db=db, admin=admin, data=data)
    return SlaPolicyUpdatedOut(
        message="SLA policy updated; it applies to tickets created or re-prioritised from now on",
        policy=SlaPolicyOut.from_doc(policy),
    )
