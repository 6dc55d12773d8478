"""The domain's closed vocabularies and the ticket status-transition table."""

from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "user"
    AGENT = "support_agent"
    ADMIN = "admin"


class TicketStatus(StrEnum):
    OPEN = "Open"
    IN_PROGRESS = "In Progress"
    ON_HOLD = "On Hold"
    RESOLVED = "Resolved"
    CLOSED = "Closed"


class Priority(StrEnum):
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


class Category(StrEnum):
    DAMAGED = "Damaged"
    LOST = "Lost"
    LATE = "Late"
    QUALITY = "Quality"
    OTHER = "Other"


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


def can_transition(current: TicketStatus, new: TicketStatus) -> bool:
    return new == current or new in ALLOWED_TRANSITIONS[current]
