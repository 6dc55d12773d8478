"""Liveness and readiness probes."""

from fastapi import APIRouter

from app.core.deps import DbDep
from app.core.errors import responses
from app.core.schemas import Schema

router = APIRouter(tags=["health"])


class HealthOut(Schema):
    status: str


@router.get(
    "/health/",
    response_model=HealthOut,
    responses=responses(database=False),
    summary="Liveness: the process answers (no database)",
)
async def health() -> HealthOut:
    return HealthOut(status="ok")


@router.get(
    "/ready/",
    response_model=HealthOut,
    responses=responses(),
    summary="Readiness: the database answers a ping",
)
async def ready(db: DbDep) -> HealthOut:
    await db.command("ping")  # an unreachable database raises ConnectionFailure: 503
    return HealthOut(status="ready")
