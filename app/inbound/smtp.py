"""`python -m app smtp --port N`: an SMTP receiver (aiosmtpd) an MX can deliver to directly,
feeding the same path as POST /api/inbound/email/ (`service.receive`).

Only our addresses are taken (MAIL_FROM, the reply address and their plus-variants): any
other recipient is refused at RCPT with 550, so this is never an open relay. A message over
the size limit is refused with 552 (aiosmtpd); a failure while processing answers 451, so the
sending server tries again later (the message's claim is released: see service.receive).
Mail from the null sender (`MAIL FROM:<>`: bounces and other delivery reports) is machine-written
and quarantined as such (`null_sender`).
"""

import asyncio
import logging
from functools import partial

from aiosmtpd.smtp import SMTP, Envelope, Session

from app.inbound import service
from app.inbound.limits import max_message_bytes
from app.inbound.mailroom import Mailroom
from app.inbound.message import ours

log = logging.getLogger("app.inbound.smtp")
NULL_SENDER = "<>"


class MailHandler:
    def __init__(self, room: Mailroom) -> None:
        self.room = room

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not ours(self.room.settings, address):
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        recipients = [address.lower() for address in envelope.rcpt_tos]
        # aiosmtpd keeps `MAIL FROM:<>` (a bounce's null sender) as "<>"
        sender = "" if envelope.mail_from == NULL_SENDER else (envelope.mail_from or "")
        try:
            outcome = await service.receive(
                room=self.room, raw=raw, envelope=recipients, envelope_sender=sender
            )
        except Exception:
            log.exception("inbound message not processed")
            return "451 4.3.0 Temporary failure, please try again later"
        log.info("inbound message", extra={"result": outcome.result})
        return "250 2.0.0 Message accepted"


async def start_receiver(room: Mailroom, *, host: str, port: int) -> asyncio.Server:
    """The receiver, listening in the running event loop (the database client's own)."""
    loop = asyncio.get_running_loop()
    protocol = partial(
        SMTP,
        MailHandler(room),
        data_size_limit=max_message_bytes(room.settings),
        enable_SMTPUTF8=True,
    )
    return await loop.create_server(protocol, host=host, port=port)
