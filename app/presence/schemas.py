"""Presence on the wire."""

from typing import Literal

from pydantic import Field

from app.core.schemas import Id, RequestSchema, Schema, UtcDatetime


class PresenceIn(RequestSchema):
    state: Literal["viewing", "typing"]


class ViewerOut(Schema):
    agent_id: Id
    name: str
    state: Literal["viewing", "typing"]
    since: UtcDatetime = Field(description="When they started viewing, or typing")


class PresenceOut(Schema):
    viewers: list[ViewerOut] = Field(
        description="The other staff on the ticket now (the caller is not listed), by arrival"
    )
