"""Who may see, work on and read the internal parts of a ticket: the one home of the rules.

Written twice over, kept side by side: `visible_to` as the query filter for lists, the
`ensure_*` functions as the check on one loaded ticket. Each is a `match` on the role that
ends in `deny_unknown_role`: a role this code does not handle sees nothing and may do nothing.

A check on one ticket is made once per request, by `permit` (the dependencies of deps.py call
it once the ticket is loaded, before any If-Match): the services take the `Permit` it returns
instead of a user and a ticket, so none can be reached without the check, and none repeats it.

Staff in customer views, one rule for tickets, replies, attachments and events: a customer
sees a staff member as the reference shows `agent_id`, by id, and where a view names people
(a reply's author, an attachment's uploader) by name and role too, exactly as staff see them
there; never an email, an approval or an account state. `PERSON_FIELDS` is that identity.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.auth.documents import Role
from app.auth.policy import deny_unknown_role as deny_unknown_role
from app.auth.policy import (
    ensure_admin,
    ensure_approved_agent,
    ensure_customer,
    ensure_staff,
)
from app.auth.principal import User
from app.core.errors import PermissionDenied
from app.core.pagination import Filter
from app.tickets.documents import TicketDoc

NOT_YOUR_TICKET = "You can only view your own tickets"
NOT_ASSIGNED_TO_YOU = "You can only view tickets assigned to you"
WORK_NOT_ASSIGNED = "You can only update tickets assigned to you"
FEEDBACK_NOT_YOURS = "You can only give feedback on your own tickets"

# What any view shows of a person (a reply's author, an attachment's uploader, an event's
# actor shows the id and role): the same to customers and to staff.
PERSON_FIELDS = ("id", "name", "role")


def visible_to(user: User) -> list[Filter]:
    """The tickets a caller may see, as filters whose union is the answer: a customer their
    own; an approved agent those assigned to them and the unassigned queue (to read a ticket
    before taking it); an admin all. (A union of equality filters rather than one `$in`: each
    is an index range on every server.)"""
    match user.role:
        case Role.CUSTOMER:
            return [{"customer_id": user.id}]
        case Role.AGENT:
            if not user.is_approved:
                return []
            return [{"agent_id": user.id}, {"agent_id": None}]
        case Role.ADMIN:
            return [{}]
        case unknown:
            deny_unknown_role(unknown)


def narrow(scopes: list[Filter], wanted: Filter) -> list[Filter]:
    """The visible scopes narrowed by a caller's filters: a filter can only take away (a scope
    that fixes a field to another value than the filter's has nothing to add)."""
    return [
        {**scope, **wanted}
        for scope in scopes
        if all(scope.get(field, value) == value for field, value in wanted.items())
    ]


def ensure_may_read_tickets(user: User) -> None:
    """Before any ticket is loaded: customers, approved agents and admins (an agent awaiting
    approval is told why)."""
    match user.role:
        case Role.CUSTOMER | Role.ADMIN:
            return
        case Role.AGENT:
            ensure_approved_agent(user)
        case unknown:
            deny_unknown_role(unknown)


def ensure_can_view(user: User, ticket: TicketDoc) -> None:
    """The document-level twin of `visible_to`."""
    match user.role:
        case Role.CUSTOMER:
            if ticket["customer_id"] != user.id:
                raise PermissionDenied(NOT_YOUR_TICKET)
        case Role.AGENT:
            ensure_approved_agent(user)
            if ticket["agent_id"] not in (user.id, None):
                raise PermissionDenied(NOT_ASSIGNED_TO_YOU)
        case Role.ADMIN:
            return
        case unknown:
            deny_unknown_role(unknown)


def can_read_internal(user: User) -> bool:
    """Internal notes (and every internal part of a ticket): staff only."""
    match user.role:
        case Role.CUSTOMER:
            return False
        case Role.AGENT:
            return user.is_approved
        case Role.ADMIN:
            return True
        case unknown:
            deny_unknown_role(unknown)


def ensure_can_work_on(user: User, ticket: TicketDoc) -> None:
    """Status updates and internal notes: the assigned agent or an admin."""
    ensure_staff(user)
    match user.role:
        case Role.AGENT:
            if ticket["agent_id"] != user.id:
                raise PermissionDenied(WORK_NOT_ASSIGNED)
        case Role.ADMIN:
            return
        case Role.CUSTOMER:
            raise AssertionError("ensure_staff refused customers")  # pragma: no cover
        case unknown:
            deny_unknown_role(unknown)


def work_guard(user: User, ticket: TicketDoc) -> dict[str, Any]:
    """What `ensure_can_work_on` relied on, as a filter for the write that follows: an agent's
    write must fail if the ticket was reassigned after the check (an admin's did not depend
    on the assignment)."""
    match user.role:
        case Role.AGENT:
            return {"agent_id": ticket["agent_id"]}
        case Role.ADMIN:
            return {}
        case Role.CUSTOMER:
            raise PermissionDenied(WORK_NOT_ASSIGNED)
        case unknown:
            deny_unknown_role(unknown)


def ensure_can_reply(user: User, ticket: TicketDoc) -> None:
    """The public thread, and public attachments: the owning customer, the assigned agent,
    an admin."""
    match user.role:
        case Role.CUSTOMER:
            if ticket["customer_id"] != user.id:
                raise PermissionDenied(NOT_YOUR_TICKET)
        case Role.AGENT:
            ensure_approved_agent(user)
            if ticket["agent_id"] != user.id:
                raise PermissionDenied(WORK_NOT_ASSIGNED)
        case Role.ADMIN:
            return
        case unknown:
            deny_unknown_role(unknown)


def reply_guard(user: User, ticket: TicketDoc) -> dict[str, Any]:
    """What `ensure_can_reply` relied on that can change: an agent's assignment."""
    match user.role:
        case Role.AGENT:
            return {"agent_id": ticket["agent_id"]}
        case Role.CUSTOMER | Role.ADMIN:
            return {}
        case unknown:
            deny_unknown_role(unknown)


def ensure_can_attach(user: User, ticket: TicketDoc, *, internal: bool) -> None:
    """Public attachments: whoever may reply; internal ones: the assigned agent or an admin."""
    if internal:
        ensure_can_work_on(user, ticket)
    else:
        ensure_can_reply(user, ticket)


def is_staff(user: User) -> bool:
    """Replies by staff are the ticket's responses (first_response_at)."""
    match user.role:
        case Role.AGENT | Role.ADMIN:
            return True
        case Role.CUSTOMER:
            return False
        case unknown:
            deny_unknown_role(unknown)


def ensure_can_take(user: User) -> None:
    """Self-assignment: approved agents."""
    ensure_approved_agent(user)


def ensure_can_assign_others(user: User) -> None:
    """Reassignment, and handing a deactivated agent's tickets back to the queue: admins."""
    ensure_admin(user)


def ensure_can_give_feedback(user: User, ticket: TicketDoc) -> None:
    ensure_customer(user)
    if ticket["customer_id"] != user.id:
        raise PermissionDenied(FEEDBACK_NOT_YOURS)


def ensure_can_create(user: User) -> None:
    ensure_customer(user)


class Action(StrEnum):
    VIEW = "view"
    WORK = "work"  # status, priority, internal notes
    REPLY = "reply"
    ATTACH_PUBLIC = "attach_public"
    ATTACH_INTERNAL = "attach_internal"
    GIVE_FEEDBACK = "give_feedback"


@dataclass(frozen=True)
class Permit:
    """What one check found: `user` may do `action` on `ticket` (as loaded). Made by `permit`
    only; a service asks it for the ticket with the action it performs."""

    user: User
    ticket: TicketDoc
    action: Action

    def ticket_for(self, *actions: Action) -> TicketDoc:
        """The ticket, for a service that performs one of `actions`."""
        if self.action not in actions:  # a wiring mistake, never a caller's
            raise AssertionError(f"a {self.action} permit is no permit to {actions}")
        return self.ticket

    @property
    def internal(self) -> bool:
        """Whether the permitted user reads the ticket's internal parts (and its full ETag)."""
        return can_read_internal(self.user)


def permit(user: User, ticket: TicketDoc, action: Action) -> Permit:
    """The one check of `action` on a loaded ticket (403 when refused)."""
    match action:
        case Action.VIEW:
            ensure_can_view(user, ticket)
        case Action.WORK:
            ensure_can_work_on(user, ticket)
        case Action.REPLY:
            ensure_can_reply(user, ticket)
        case Action.ATTACH_PUBLIC | Action.ATTACH_INTERNAL:
            ensure_can_attach(user, ticket, internal=action == Action.ATTACH_INTERNAL)
        case Action.GIVE_FEEDBACK:
            ensure_can_give_feedback(user, ticket)
    return Permit(user=user, ticket=ticket, action=action)
