"""Our addresses in mail: the sender, the plus-addressed reply address that carries a signed
token for (ticket, recipient), and our Message-IDs. Outgoing mail is made with these
(notifications) and incoming mail is matched with them (inbound), so both sides read one
format.

The reply token is the ticket's and the recipient's ids (12 bytes each) and the first 8 bytes
of an HMAC-SHA256 over them, in lowercase base32 (52 characters): mail systems may change the
case of an address, and a local part may be 64 characters. The key is derived from JWT_SECRET
for this purpose alone.
"""

import base64
import hashlib
import hmac
import secrets
from email.headerregistry import Address
from email.utils import parseaddr

from bson import ObjectId
from bson.errors import InvalidId

from app.core.config import Settings

MAC_BYTES = 8


def sender(settings: Settings) -> Address:
    """MAIL_FROM, parsed (`Support <support@example.com>`)."""
    name, address = parseaddr(settings.mail_from)
    local, _, domain = address.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


def _reply_base(settings: Settings) -> tuple[str, str]:
    address = settings.mail_reply_address or sender(settings).addr_spec
    local, _, domain = parseaddr(address)[1].rpartition("@")
    return local, domain


def _mac(settings: Settings, payload: bytes) -> bytes:
    key = hmac.new(settings.jwt_key.encode(), b"mail reply token", hashlib.sha256).digest()
    return hmac.new(key, payload, hashlib.sha256).digest()[:MAC_BYTES]


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=").lower()


def reply_address(settings: Settings, *, ticket_id: ObjectId, recipient_id: ObjectId) -> str:
    """`support+<token>@example.com`: where this recipient's reply on this ticket goes."""
    payload = ticket_id.binary + recipient_id.binary
    token = _encode(payload + _mac(settings, payload))
    local, domain = _reply_base(settings)
    return f"{local}+{token}@{domain}"


def read_reply_address(settings: Settings, address: str) -> tuple[ObjectId, ObjectId] | None:
    """(ticket id, recipient id) when `address` is one of `reply_address`'s with a valid
    token; None for any other address."""
    local, domain = _reply_base(settings)
    given_local, _, given_domain = parseaddr(address)[1].rpartition("@")
    base, plus, token = given_local.partition("+")
    if not plus or base.lower() != local.lower() or given_domain.lower() != domain.lower():
        return None
    try:
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8))
    except ValueError:
        return None
    if _encode(raw) != token.lower():  # one spelling only: the last character's spare bits
        return None
    payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if len(payload) != 24 or not hmac.compare_digest(mac, _mac(settings, payload)):
        return None
    try:
        return ObjectId(payload[:12]), ObjectId(payload[12:])
    except InvalidId:
        return None


def message_id(settings: Settings, *, ticket_id: ObjectId | None) -> str:
    """A new Message-ID of ours: `<ticket id>.<random>@<our domain>` (`x` for no ticket)."""
    tag = str(ticket_id) if ticket_id is not None else "x"
    return f"<{tag}.{secrets.token_hex(8)}@{sender(settings).domain}>"


def ticket_of_message_id(settings: Settings, value: str) -> ObjectId | None:
    """The ticket named by one of our Message-IDs; None for anyone else's. By its format only:
    a Message-ID is not a secret, so inbound mail matches one only if it is in the outbox (a
    message we sent), and its sender must still be allowed to write into the ticket."""
    inner = value.strip().removeprefix("<").removesuffix(">")
    left, _, domain = inner.rpartition("@")
    tag, _, _ = left.partition(".")
    if domain.lower() != sender(settings).domain.lower() or not ObjectId.is_valid(tag):
        return None
    return ObjectId(tag)
