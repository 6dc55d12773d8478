"""Role-level rules: which kind of caller may use which feature. Each is a `match` on the
role ending in `deny_unknown_role`, so a role this code does not handle is refused (and mypy
reports the missing case). And which pages may use the refresh cookie."""

from typing import Never, NoReturn

from app.auth.documents import Role
from app.auth.principal import User
from app.core.config import web_origin
from app.core.errors import PermissionDenied

AWAITING_APPROVAL = "Your agent account is awaiting admin approval"
ONLY_CUSTOMERS = "Only customers can do this"
ONLY_AGENTS = "Only support agents can do this"
ONLY_ADMINS = "Only admins can do this"
FOREIGN_ORIGIN = "The refresh cookie works only from this service's own pages"


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


def ensure_trusted_origin(*, origin: str | None, own_origin: str, trusted: list[str]) -> None:
    """A request that uses or sets the refresh cookie must come from a page of this service:
    a browser sends the cookie with every same-site request (a sibling subdomain's page
    too), and `Origin`, which a page cannot forge, names the page that made it."""
    seen = web_origin(origin) if origin else None
    if seen is None or (seen != web_origin(own_origin) and seen not in trusted):
        raise PermissionDenied(FOREIGN_ORIGIN, code="origin_not_allowed")
