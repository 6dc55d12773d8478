"""Issue 24: the SMTP receiver (`python -m app smtp`) feeds the same path, takes mail for our
addresses only, and bounds a message's size. Sent to with a real SMTP client."""

from collections.abc import AsyncIterator

import aiosmtplib
import pytest

from app.inbound.mailroom import Mailroom
from app.inbound.smtp import start_receiver
from tests.conftest import AppFactory
from tests.inbound.conftest import Mail, change_ticket_meanwhile, start_mail


@pytest.fixture
async def smtp(app_with: AppFactory) -> AsyncIterator[tuple[Mail, int]]:
    mail = await start_mail(app_with, max_upload_bytes=4096)
    state = mail.app.state
    room = Mailroom(mail.db, mail.settings, state.image_slots, state.hasher)
    server = await start_receiver(room, host="127.0.0.1", port=0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield mail, port
    finally:
        server.close()
        await server.wait_closed()


async def send(port: int, raw: bytes, sender: str, recipients: list[str]) -> None:
    await aiosmtplib.send(
        raw, sender=sender, recipients=recipients, hostname="127.0.0.1", port=port
    )


class TestSmtpReceiver:
    async def test_a_reply_by_smtp_lands_once(self, smtp: tuple[Mail, int]) -> None:
        mail, port = smtp
        raw = mail.corpus("apple_reply.eml")
        for _ in range(2):  # delivered again: a duplicate, still accepted
            await send(port, raw, mail.customer.email, [mail.token_address(mail.customer)])
        [reply] = await mail.replies()
        assert reply["body"].startswith("Found it") and reply["via"] == "email"

    async def test_the_envelope_recipient_carries_the_token(self, smtp: tuple[Mail, int]) -> None:
        mail, port = smtp
        raw = mail.corpus("signature_reply.eml", REPLY_TO="support@example.com", MESSAGE_ID="<a@b>")
        raw = raw.replace(f"[#{mail.ticket_id}]".encode(), b"")  # nothing but the envelope
        await send(port, raw, mail.customer.email, [mail.token_address(mail.customer)])
        assert [r["body"] for r in await mail.replies()] == ["Yes, please send a new one."]

    async def test_other_recipients_are_refused_at_rcpt(self, smtp: tuple[Mail, int]) -> None:
        mail, port = smtp
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await send(
                port, mail.corpus("new_ticket.eml"), mail.customer.email, ["x@elsewhere.org"]
            )
        assert refused.value.recipients[0].code == 550
        assert await mail.db.inbound_emails.count_documents({}) == 0

    async def test_a_message_over_the_bound_is_refused(self, smtp: tuple[Mail, int]) -> None:
        mail, port = smtp
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await send(
                port,
                mail.corpus("new_ticket.eml") + b"x" * 20_000,
                mail.customer.email,
                ["support@example.com"],
            )
        assert refused.value.code == 552
        assert await mail.db.inbound_emails.count_documents({}) == 0

    async def test_a_bounce_from_the_null_sender_is_held(self, smtp: tuple[Mail, int]) -> None:
        """MAIL FROM:<> marks a bounce even when its headers look like a person's reply."""
        mail, port = smtp
        raw = mail.corpus("gmail_reply.eml")
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as client:
            await client.sendmail("", [mail.token_address(mail.customer)], raw)  # MAIL FROM:<>
        [held] = await mail.quarantine()
        assert held["reason"] == "null_sender"
        assert await mail.replies() == []

    async def test_a_failure_while_processing_answers_451_and_the_retry_lands(
        self, smtp: tuple[Mail, int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        mail, port = smtp
        change_ticket_meanwhile(mail, monkeypatch)  # the reply's write then fails (409)
        raw = mail.corpus("apple_reply.eml")
        recipients = [mail.token_address(mail.customer)]
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await send(port, raw, mail.customer.email, recipients)
        assert refused.value.code == 451  # temporary: the sending server tries again later
        assert await mail.replies() == []
        assert await mail.db.inbound_emails.count_documents({}) == 0
        await send(port, raw, mail.customer.email, recipients)
        [reply] = await mail.replies()
        assert reply["body"].startswith("Found it")
