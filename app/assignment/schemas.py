"""Auto-assignment on the wire: the admins' settings and each agent's availability."""

from typing import Literal

from pydantic import Field, field_validator

from app.core.schemas import RequestSchema, Schema
from app.tickets.documents import Category

MAX_OPEN_PER_AGENT = 1000  # a cap beyond any one person's work: a typo, not a policy

Mode = Literal["off", "load_balanced"]


class AssignmentSettings(Schema):
    mode: Mode = Field(description="off: tickets wait for agents to take them")
    max_open_per_agent: int = Field(
        ge=1,
        le=MAX_OPEN_PER_AGENT,
        description="Auto-assignment gives an agent no more tickets Open or In Progress",
    )
    match_categories: bool = Field(description="Only to agents who take the ticket's category")


class AssignmentSettingsIn(AssignmentSettings, RequestSchema):
    """Every field, as GET answers them."""


class Availability(Schema):
    available: bool = Field(description="Whether auto-assignment gives this agent tickets")
    categories: list[Category] = Field(
        default_factory=list,
        max_length=len(Category),
        description="The categories the agent takes when categories are matched; empty: all",
    )

    @field_validator("categories")
    @classmethod
    def _once_each(cls, categories: list[Category]) -> list[Category]:
        return list(dict.fromkeys(categories))


class AvailabilityIn(Availability, RequestSchema):
    pass


class AvailabilityOut(Availability):
    open_tickets: int = Field(
        description="Tickets Open or In Progress assigned to the agent (read-only)"
    )
