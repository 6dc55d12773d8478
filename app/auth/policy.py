"""Role-level rules: which kind of caller may use which feature. Each is a `match` on the
role ending in `deny_unknown_role`, so a role this code does not handle is refused (and mypy
reports the missing case)."""

from typing import Never, NoReturn

from app.auth.documents import Role
from app.auth.principal import User
from app.core.errors import PermissionDenied

AWAITING_APPROVAL = "Your agent account is awaiting admin approval"
ONLY_CUSTOMERS = "Only customers can do this"
ONLY_AGENTS = "Only support agents can do this"
ONLY_ADMINS = "Only admins can do this"


def deny_unknown_role(role: Never) -> NoReturn:
    """The default case of every `match` on a role: fail closed."""
    raise PermissionDenied("This account has no role this service knows")


def ensure_customer(user: User) -> None:
    match user.role:
        case Role.CUSTOMER:
            return
        case Role.AGENT | Role.ADMIN:
            raise PermissionDenied(ONLY_CUSTOMERS)
        case unknown:
            deny_unknown_role(unknown)


def ensure_approved_agent(user: User) -> None:
    match user.role:
        case Role.AGENT:
            if not user.is_approved:
                raise PermissionDenied(AWAITING_APPROVAL)
        case Role.CUSTOMER | Role.ADMIN:
            raise PermissionDenied(ONLY_AGENTS)
        case unknown:
            deny_unknown_role(unknown)


def ensure_admin(user: User) -> None:
    match user.role:
        case Role.ADMIN:
            return
        case Role.CUSTOMER | Role.AGENT:
            raise PermissionDenied(ONLY_ADMINS)
        case unknown:
            deny_unknown_role(unknown)


def ensure_staff(user: User) -> None:
    """An approved support agent or an admin."""
    match user.role:
        case Role.ADMIN:
            return
        case Role.AGENT:
            ensure_approved_agent(user)
        case Role.CUSTOMER:
            raise PermissionDenied(ONLY_AGENTS)
        case unknown:
            deny_unknown_role(unknown)
