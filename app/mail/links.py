"""Links in mail: the ticket in the console, the notification settings, and the unsubscribe
link, signed for one (user, kind) so that it works without logging in. All start with the
first of PUBLIC_URLS; without one, mail carries no links."""

import base64
import hashlib
import hmac

from bson import ObjectId

from app.auth.documents import Role
from app.core.config import Settings
from app.core.ids import to_object_id
from app.mail.documents import MailKind

MAC_BYTES = 16
# app/console/static/js/routes.js: the console routes in the URL's fragment (the server serves
# /app/ only), which also keeps a link's token out of every server's log.
TICKET_ROUTES = {
    Role.CUSTOMER.value: "/app/#/tickets/{id}",
    Role.AGENT.value: "/app/#/agent/tickets/{id}",
    Role.ADMIN.value: "/app/#/agent/tickets/{id}",  # admins open tickets on the agents' screen
}
AGENTS_ROUTE = "/app/#/admin/agents"
SETTINGS_ROUTE = "/app/#/notifications"
SURVEY_ROUTE = "/app/#/survey/{token}"
SIGN_IN_ROUTE = "/app/#/login?magic={token}"


def _base(settings: Settings) -> str | None:
    return settings.public_urls[0].rstrip("/") if settings.public_urls else None


def console_link(settings: Settings, route: str) -> str | None:
    base = _base(settings)
    return base + route if base else None


def ticket_link(settings: Settings, *, role: str, ticket_id: ObjectId) -> str | None:
    return console_link(settings, TICKET_ROUTES[role].format(id=ticket_id))


def _mac(settings: Settings, payload: str) -> str:
    key = hmac.new(settings.jwt_key.encode(), b"mail unsubscribe", hashlib.sha256).digest()
    mac = hmac.new(key, payload.encode(), hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def unsubscribe_token(settings: Settings, *, user_id: ObjectId, kind: MailKind) -> str:
    payload = f"{user_id}.{kind.value}"
    return f"{payload}.{_mac(settings, payload)}"


def read_unsubscribe_token(settings: Settings, token: str) -> tuple[ObjectId, MailKind] | None:
    """(user id, kind) of a token `unsubscribe_token` made; None for any other string."""
    user, _, rest = token.partition(".")
    kind, _, mac = rest.partition(".")
    user_id = to_object_id(user)
    if user_id is None or kind not in MailKind._value2member_map_:
        return None
    if not hmac.compare_digest(mac.encode(), _mac(settings, f"{user}.{kind}").encode()):
        return None
    return user_id, MailKind(kind)


def unsubscribe_link(settings: Settings, *, user_id: ObjectId, kind: MailKind) -> str | None:
    token = unsubscribe_token(settings, user_id=user_id, kind=kind)
    base = _base(settings)
    return f"{base}/api/mail/unsubscribe/{token}/" if base else None


def survey_link(settings: Settings, token: str) -> str | None:
    return console_link(settings, SURVEY_ROUTE.format(token=token))


def sign_in_link(settings: Settings, token: str) -> str | None:
    return console_link(settings, SIGN_IN_ROUTE.format(token=token))
