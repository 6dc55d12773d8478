"""Events as the timeline, the feed, the stream and webhooks show them."""

from typing import Any, Literal

from pydantic import Field

from app.core.schemas import Id, Schema, UtcDatetime
from app.events.documents import EventDoc


class ActorOut(Schema):
    type: Literal["user", "system"]
    id: Id | None = None
    role: str | None = None


class EventOut(Schema):
    id: str = Field(description="Sorts in commit order; pass as a cursor or as after=")
    type: str
    occurred_at: UtcDatetime
    actor: ActorOut
    ticket_id: Id | None
    visibility: Literal["public", "internal"]
    data: dict[str, Any]

    @classmethod
    def of(cls, event: EventDoc, *, for_customer: bool) -> "EventOut":
        """A customer sees no staff member's id: the role of whoever acted, nothing more."""
        actor = dict(event["actor"])
        if for_customer and actor.get("role") != "user":
            actor.pop("id", None)
        return cls.model_validate(
            {
                "id": str(event["seq"]),
                "type": event["type"],
                "occurred_at": event["occurred_at"],
                "actor": actor,
                "ticket_id": event["ticket_id"],
                "visibility": event["visibility"],
                "data": event["data"],
            }
        )


class EventPageOut(Schema):
    events: list[EventOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= (or after=) for what follows")
