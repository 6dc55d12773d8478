"""One person's presence on one ticket: a heartbeat that holds for EXPIRY."""

from datetime import datetime, timedelta
from typing import Literal, TypedDict

from bson import ObjectId

EXPIRY = timedelta(seconds=30)
State = Literal["viewing", "typing"]
LEFT = "left"  # the state an event gives when someone stops being on the ticket


class PresenceDoc(TypedDict):
    _id: ObjectId
    ticket_id: ObjectId
    agent_id: ObjectId
    name: str
    state: str  # a State
    since: datetime  # when this state began
    expires_at: datetime  # the last heartbeat + EXPIRY, on the service's clock
