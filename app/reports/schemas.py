"""Report bodies: one figures shape for every group, the period and the grouping."""

from typing import Literal

from pydantic import Field

from app.core.schemas import Id, Schema, UtcDatetime


class Durations(Schema):
    count: int
    median_minutes: float | None
    p90_minutes: float | None = Field(description="90th percentile, nearest rank")


class SlaAttainment(Schema):
    first_response_met_percent: float | None
    first_response_counted: int
    resolution_met_percent: float | None
    resolution_counted: int


class Csat(Schema):
    """The ratings of the resolutions in the period, one per resolution (by the survey's link
    or feedback/), whenever given, grouped by the agent, category and priority of the
    resolution (its survey's snapshot)."""

    responses: int
    average: float | None
    distribution: dict[str, int] = Field(description="Ratings 1 to 5 and how many of each")
    response_rate_percent: float | None = Field(
        description="Surveys answered / surveys sent (their link mailed), as in `surveys`"
    )


class Figures(Schema):
    created: int
    resolved: int
    closed: int
    reopened: int
    backlog: int = Field(description="Open at the end of the period")
    first_response: Durations
    resolution: Durations
    sla: SlaAttainment
    csat: Csat


class GroupFigures(Figures):
    key: str = Field(description="Agent id ('unassigned'), category, priority or date")
    label: str = Field(description="The agent's name, or the key")


class Deflection(Schema):
    """What the FAQ suggestions on the new-ticket form did in the period (kept 90 days)."""

    suggestions_shown: int = Field(description="New-ticket forms shown at least one suggestion")
    answers_opened: int
    marked_helpful: int
    tickets_created_after_suggestion: int = Field(
        description="Tickets created from a form that was shown suggestions"
    )


class SurveyFigures(Schema):
    """The totals' `csat` (`rated` is its `responses`), with the surveys sent and answered."""

    sent: int = Field(description="Surveys of the period's resolutions whose link was mailed")
    answered: int = Field(description="Of those sent, the ones rated (by link or feedback/)")
    response_rate_percent: float | None = Field(description="answered / sent")
    rated: int = Field(description="The period's resolutions rated, sent or not: csat.responses")
    average: float | None = Field(description="Their average rating")


class SurveyGroup(SurveyFigures):
    key: str = Field(description="The agent id ('unassigned') or category at the resolution")


class Surveys(SurveyFigures):
    """The satisfaction surveys of the resolutions in the period, grouped (with group_by agent
    or category) by the agent and category at each resolution."""

    groups: list[SurveyGroup]


class OverviewOut(Schema):
    from_: UtcDatetime = Field(alias="from", serialization_alias="from")
    to: UtcDatetime
    group_by: Literal["agent", "category", "priority", "day"] | None
    totals: Figures
    groups: list[GroupFigures]
    deflection: Deflection
    surveys: Surveys


class PeriodFigures(Figures):
    from_: UtcDatetime = Field(alias="from", serialization_alias="from")
    to: UtcDatetime


class AgentStatsOut(Schema):
    agent_id: Id
    last_7_days: PeriodFigures
    last_30_days: PeriodFigures
