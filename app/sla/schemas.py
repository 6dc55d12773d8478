"""The SLA policy on the wire: targets per priority and an optional business calendar."""

from datetime import date, time
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import Field, field_validator, model_validator

from app.core.schemas import RequestSchema, Schema, UtcDatetime
from app.tickets.sla import WEEKDAYS

MAX_MINUTES = 365 * 24 * 60
Minutes = Annotated[int, Field(ge=1, le=MAX_MINUTES)]
HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")]


class Targets(RequestSchema):
    first_response_minutes: Minutes
    resolution_minutes: Minutes

    @model_validator(mode="after")
    def _first_response_first(self) -> "Targets":
        if self.first_response_minutes > self.resolution_minutes:
            raise ValueError("first_response_minutes cannot exceed resolution_minutes")
        return self


class PriorityTargets(RequestSchema):
    High: Targets
    Medium: Targets
    Low: Targets


class Calendar(RequestSchema):
    """Business hours: `hours` maps weekdays to opening intervals in the zone's wall-clock
    time; no hours at all means around the clock. Holidays are dates in that zone."""

    timezone: str = "UTC"
    hours: dict[str, list[tuple[HHMM, HHMM]]] = Field(default_factory=dict, max_length=7)
    holidays: list[date] = Field(default_factory=list, max_length=1000)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        if zone not in available_timezones():
            raise ValueError("Unknown IANA time zone")
        return zone

    @field_validator("hours")
    @classmethod
    def _weekly_hours(
        cls, hours: dict[str, list[tuple[str, str]]]
    ) -> dict[str, list[tuple[str, str]]]:
        for day, spans in hours.items():
            if day not in WEEKDAYS:
                raise ValueError(f"Days are {', '.join(WEEKDAYS)}")
            if len(spans) > 4:
                raise ValueError("At most 4 intervals a day")
            ends = [(_t(a), _t(b)) for a, b in spans]
            if any(a >= b for a, b in ends):
                raise ValueError("Each interval must open before it closes")
            if any(ends[i][1] > ends[i + 1][0] for i in range(len(ends) - 1)):
                raise ValueError("A day's intervals must be in order and not overlap")
        if hours and not any(hours.values()):
            raise ValueError("Give at least one interval, or no hours for around the clock")
        return hours


def _t(hhmm: str) -> time:
    return time(23, 59, 59, 999999) if hhmm == "24:00" else time.fromisoformat(hhmm)


# What GET answers besides the policy itself: the server's to say, so a PUT ignores them.
READ_ONLY_FIELDS = ("updated_at", "applies_to")


class SlaPolicyIn(RequestSchema):
    """The policy to keep. The body GET answers, edited, is a valid body: its read-only
    `updated_at` and `applies_to` are ignored; any other unknown field is refused."""

    targets: PriorityTargets
    calendar: Calendar = Field(default_factory=Calendar)

    @model_validator(mode="before")
    @classmethod
    def _ignore_read_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in READ_ONLY_FIELDS}
        return data


class SlaPolicyOut(Schema):
    targets: PriorityTargets
    calendar: Calendar
    updated_at: UtcDatetime | None
    applies_to: str = Field(
        default="Tickets created or re-prioritised after updated_at; the others keep their "
        "deadlines",
    )


class SlaPolicyUpdatedOut(Schema):
    message: str
    policy: SlaPolicyOut
