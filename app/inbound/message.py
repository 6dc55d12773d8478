"""An incoming message read once with the standard library (`policy.default`): who sent it,
to whom, what it answers, whether a machine wrote it, its reply text and its files."""

import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

from app.core.config import Settings
from app.inbound.text import reply_text
from app.mail.addresses import sender

RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to")
LOOP_PRECEDENCE = {"bulk", "junk", "list"}
SUBJECT_TAG = re.compile(r"\[#([0-9a-fA-F]{24})\]")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
MAX_SUBJECT = 200


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Incoming:
    key: str  # the Message-ID, or a digest of the bytes when there is none (duplicates)
    sender: str  # the From address, lower-cased ("" when none)
    sender_name: str
    subject: str
    recipients: list[str]
    references: list[str]  # In-Reply-To, then References newest first
    subject_ticket: str | None
    loop_reason: str | None
    text: str
    attachments: list[Attachment] = field(default_factory=list)


def _header(message: Message, name: str) -> str:
    """A header as text; a header the parser cannot make sense of counts as absent."""
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError):
        return ""
    return str(value or "").strip()


def _addresses(message: Message, names: tuple[str, ...]) -> list[str]:
    values = [str(v) for name in names for v in (message.get_all(name) or [])]
    return [address.lower() for _, address in getaddresses(values) if "@" in address]


def ours(settings: Settings, address: str) -> bool:
    """MAIL_FROM, the reply address and any plus-variant of either."""
    own = {sender(settings).addr_spec.lower(), (settings.mail_reply_address or "").lower()}
    local, _, domain = address.lower().rpartition("@")
    return f"{local.partition('+')[0]}@{domain}" in {parseaddr(o)[1] for o in own if o}


def loop_reason(
    settings: Settings, message: Message, from_address: str, envelope_sender: str | None = None
) -> str | None:
    """Why a machine (an auto-responder, a list, a bounce, ourselves) wrote this, or None:
    such mail is never answered, so two systems can never write to each other forever.
    `envelope_sender`: the SMTP MAIL FROM, empty (`<>`) for a bounce (RFC 5321 4.5.5)."""
    auto = _header(message, "auto-submitted").lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"auto_submitted:{auto.split(';')[0].strip()}"
    if _header(message, "precedence").lower() in LOOP_PRECEDENCE:
        return f"precedence:{_header(message, 'precedence').lower()}"
    if _header(message, "x-autoreply") or _header(message, "x-autorespond"):
        return "autoreply"
    if message.get_content_type() == "multipart/report":
        return "delivery_report"
    if envelope_sender == "":
        return "null_sender"
    if not from_address:
        return "no_sender"
    if ours(settings, from_address):
        return "from_ourselves"
    return None


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.iter_attachments():
        if part.is_multipart() or part.get_content_maintype() == "message":
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload:
            found.append(Attachment(part.get_filename() or "attachment", payload))
    return found


def _references(message: Message) -> list[str]:
    ids = MESSAGE_ID.findall(_header(message, "in-reply-to"))
    ids += reversed(MESSAGE_ID.findall(_header(message, "references")))
    return list(dict.fromkeys(ids))


def read_message(
    settings: Settings,
    raw: bytes,
    envelope: list[str] | None = None,
    envelope_sender: str | None = None,
) -> Incoming:
    """`envelope`: the recipients the SMTP receiver was given (RCPT TO), also searched for a
    reply token; `envelope_sender`: its MAIL FROM ("" for `<>`; None: not over SMTP)."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    name, from_address = parseaddr(_header(message, "from"))
    from_address = from_address.lower() if "@" in from_address else ""
    message_id = MESSAGE_ID.findall(_header(message, "message-id"))
    key = message_id[0] if message_id else "sha256:" + hashlib.sha256(raw).hexdigest()
    subject = " ".join(_header(message, "subject").split())[:MAX_SUBJECT]
    tag = SUBJECT_TAG.search(subject)
    return Incoming(
        key=key,
        sender=from_address,
        sender_name=name.strip(),
        subject=subject,
        recipients=list(
            dict.fromkeys([*_addresses(message, RECIPIENT_HEADERS), *(envelope or [])])
        ),
        references=_references(message),
        subject_ticket=tag.group(1).lower() if tag else None,
        loop_reason=loop_reason(settings, message, from_address, envelope_sender),
        text=reply_text(message),
        attachments=_attachments(message),
    )
