"""One message, as RFC 5322 bytes: our headers (threading, Reply-To, loop prevention,
List-Unsubscribe) and text and HTML parts rendered from templates/ (the HTML autoescaped; no
remote images, so nothing is fetched when it is opened)."""

from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from bson import ObjectId
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from app.core.clock import utcnow
from app.core.config import Settings
from app.mail import addresses, links
from app.mail.documents import PERSONAL, REQUESTED, MailKind

_templates = Environment(
    loader=PackageLoader("app.mail", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Recipient:
    id: ObjectId
    name: str
    email: str
    role: str


@dataclass(frozen=True)
class Draft:
    """What a message says: its kind, recipient, ticket (id, subject) and template values."""

    kind: MailKind
    recipient: Recipient
    ticket_id: ObjectId | None
    subject: str
    values: dict[str, Any]
    author: str | None = None  # a person's reply: their name in From
    # The hash of the token its link carries (a survey's, a sign-in link's), kept with the
    # queued message; a survey's names the resolution cycle.
    token_hash: str | None = None
    survey_cycle: int | None = None


def one_line(text: str) -> str:
    """A header value from user text: no line breaks (header injection), spaces collapsed."""
    return " ".join(text.split())


def subject_of(draft: Draft) -> str:
    subject = one_line(draft.subject)
    return f"[#{draft.ticket_id}] {subject}" if draft.ticket_id else subject


def _sender(settings: Settings, author: str | None) -> Address:
    ours = addresses.sender(settings)
    if author is None:
        return ours
    name = f"{one_line(author)} via {ours.display_name or 'Support'}"
    return Address(display_name=name, username=ours.username, domain=ours.domain)


def compose(
    settings: Settings, draft: Draft, *, message_id: str, earlier: list[str]
) -> EmailMessage:
    """`earlier`: the Message-IDs of the ticket's messages the recipient has, oldest first
    (those we sent them and those they wrote to us)."""
    recipient, kind = draft.recipient, draft.kind
    notification = kind not in PERSONAL
    ticket_link = (
        links.ticket_link(settings, role=recipient.role, ticket_id=draft.ticket_id)
        if draft.ticket_id
        else None
    )
    unsubscribe = (
        links.unsubscribe_link(settings, user_id=recipient.id, kind=kind)
        if notification and kind not in REQUESTED
        else None
    )
    values = {
        **draft.values,
        "recipient": recipient.name,
        "ticket_id": str(draft.ticket_id) if draft.ticket_id else None,
        "subject": one_line(draft.subject),
        "ticket_link": ticket_link,
        "settings_link": links.console_link(settings, links.SETTINGS_ROUTE),
        "unsubscribe_link": unsubscribe,
    }
    message = EmailMessage(policy=policy.default)
    message["From"] = _sender(settings, draft.author)
    message["To"] = Address(display_name=one_line(recipient.name), addr_spec=recipient.email)
    message["Subject"] = subject_of(draft)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    if earlier:
        message["In-Reply-To"] = earlier[-1]
        message["References"] = " ".join(earlier)
    if draft.ticket_id:
        message["Reply-To"] = addresses.reply_address(
            settings, ticket_id=draft.ticket_id, recipient_id=recipient.id
        )
    if notification:
        # RFC 3834: automatic, so auto-responders stay silent; Exchange's equivalent.
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    message.set_content(_templates.get_template(f"{kind.value}.txt").render(values))
    message.add_alternative(
        _templates.get_template(f"{kind.value}.html").render(values), subtype="html"
    )
    return message
