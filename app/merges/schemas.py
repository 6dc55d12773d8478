"""The merge request and its answer."""

from typing import Annotated

from pydantic import Field, field_validator

from app.core.ids import IdStr
from app.core.schemas import RequestSchema, Schema
from app.tickets.schemas import LongText, TicketOut

MAX_SOURCES = 10


class MergeIn(RequestSchema):
    source_ticket_ids: Annotated[list[IdStr], Field(min_length=1, max_length=MAX_SOURCES)] = Field(
        description=f"The tickets merged into this one (1 to {MAX_SOURCES}, distinct)"
    )
    note: LongText | None = Field(
        default=None, description="An internal note added to the target: why they were merged"
    )

    @field_validator("source_ticket_ids")
    @classmethod
    def _distinct(cls, ids: list[str]) -> list[str]:
        if len({i.lower() for i in ids}) != len(ids):
            raise ValueError("Each ticket can be named once.")
        return ids


class MergedOut(Schema):
    message: str
    ticket: TicketOut
