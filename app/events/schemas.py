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
    def of(cls, event: EventDoc) -> "EventOut":
        """The same to every reader who may see the event: staff actors too appear to customers
        by id and role, the one rule of app/tickets/policy.py (the reference shows customers
        their ticket's `agent_id`)."""
        return cls.model_validate(
            {
                "id": str(event["seq"]),
                "type": event["type"],
                "occurred_at": event["occurred_at"],
                "actor": event["actor"],
                "ticket_id": event["ticket_id"],
                "visibility": event["visibility"],
                "data": event["data"],
            }
        )


class EventPageOut(Schema):
    events: list[EventOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= (or after=) for what follows")
