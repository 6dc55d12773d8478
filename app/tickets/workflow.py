"""The ticket status workflow: which status may follow which."""

from app.core.errors import BadRequest
from app.tickets.documents import TicketStatus

# The reference's diagram plus reopening a resolved ticket. Staying in the same status
# (a priority-only change) is always allowed and not listed here. Closed is final.
ALLOWED_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.OPEN: frozenset({TicketStatus.IN_PROGRESS}),
    TicketStatus.IN_PROGRESS: frozenset({TicketStatus.ON_HOLD, TicketStatus.RESOLVED}),
    TicketStatus.ON_HOLD: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.CLOSED, TicketStatus.IN_PROGRESS}),
    TicketStatus.CLOSED: frozenset(),
}

# Feedback is only taken once the work is done.
FEEDBACK_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})

# Work not yet done: what goes back to the queue when its agent is deactivated.
UNFINISHED_STATUSES = frozenset({TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD})


def can_transition(current: TicketStatus, new: TicketStatus) -> bool:
    return new == current or new in ALLOWED_TRANSITIONS[current]


TICKET_CLOSED = "This ticket is closed; please open a new ticket"
REOPEN_FIRST = "This ticket is resolved; reopen it (status In Progress) before assigning it"


def ensure_open_for_work(status: TicketStatus) -> None:
    """Notes, replies and any change but a transition: nothing is added to a Closed ticket."""
    if status == TicketStatus.CLOSED:
        raise BadRequest(TICKET_CLOSED, code="ticket_closed")


def ensure_assignable(status: TicketStatus) -> None:
    """Taking or reassigning: not a Closed ticket, and a Resolved one only once reopened
    through the transition table."""
    ensure_open_for_work(status)
    if status == TicketStatus.RESOLVED:
        raise BadRequest(REOPEN_FIRST, code="ticket_resolved")
