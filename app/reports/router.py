"""Reports: /api/admin/reports/overview/ (admins, JSON or CSV) and /api/agent/stats/ (approved
agents, their own figures)."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from app.auth.deps import AdminUser, ApprovedAgent
from app.core.clock import as_utc
from app.core.deps import DbDep
from app.core.errors import responses
from app.reports import service
from app.reports.export import overview_csv
from app.reports.schemas import AgentStatsOut, OverviewOut
from app.reports.service import GroupBy

router = APIRouter(tags=["reports"])
CSV = "text/csv"


@router.get(
    "/admin/reports/overview/",
    response_model=OverviewOut,
    responses={
        **responses(400, 401, 403),
        200: {"content": {CSV: {"schema": {"type": "string"}}}},
    },
    summary="Created, resolved, backlog, response times, SLA attainment and CSAT for a "
    "period, per group; CSV with `?format=csv` or `Accept: text/csv` (admins)",
)
async def reports_overview(
    admin: AdminUser,
    db: DbDep,
    start: Annotated[
        datetime | None, Query(alias="from", description="Default: 30 days before `to`")
    ] = None,
    end: Annotated[datetime | None, Query(alias="to", description="Default: now")] = None,
    group_by: GroupBy | None = None,
    output: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="Overrides Accept; default: by Accept, else JSON"),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> OverviewOut | Response:
    report = await service.overview(
        db=db, admin=admin, start=as_utc(start), end=as_utc(end), group_by=group_by
    )
    if output == "csv" or (output is None and accept and CSV in accept):
        body = overview_csv(
            OverviewOut.model_validate(report).model_dump(mode="json", by_alias=True)
        )
        return Response(body, media_type=f"{CSV}; charset=utf-8")
    return OverviewOut.model_validate(report)


@router.get(
    "/agent/stats/",
    response_model=AgentStatsOut,
    responses=responses(401, 403),
    summary="The caller's own figures for the last 7 and 30 days (approved agents)",
)
async def agent_stats(agent: ApprovedAgent, db: DbDep) -> AgentStatsOut:
    return AgentStatsOut.model_validate(await service.agent_stats(db=db, agent=agent))
