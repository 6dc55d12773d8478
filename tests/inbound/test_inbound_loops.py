"""Issue 24: mail in never loops and never duplicates. Machine-written mail, our own mail and
a flooding sender are held back (no reply, no ticket, so no notification), and one message
delivered many times at once makes one reply."""

import asyncio
from datetime import datetime
from typing import Any

import pytest
from bson import ObjectId

from app.inbound.queries import CLAIM_SECONDS
from tests.conftest import AppFactory, Clock
from tests.inbound.conftest import Mail, start_mail


async def _nothing_happened(mail: Mail) -> None:
    assert await mail.replies() == []
    assert await mail.db.tickets.count_documents({}) == 1
    events = await mail.db.events.count_documents(
        {"type": {"$in": ["reply.created", "ticket.created"]}}
    )
    assert events == 0


class TestMachinesAreNeverAnswered:
    @pytest.mark.parametrize(
        ("name", "reason"),
        [
            ("out_of_office.eml", "auto_submitted:auto-replied"),
            ("bounce.eml", "auto_submitted:auto-replied"),
        ],
    )
    async def test_corpus(self, mail: Mail, name: str, reason: str) -> None:
        answer = await mail.deliver(mail.corpus(name))
        assert answer["result"] == "quarantined"
        assert (await mail.quarantine())[0]["reason"] == reason
        await _nothing_happened(mail)

    @pytest.mark.parametrize(
        ("header", "reason"),
        [
            ("Precedence: bulk", "precedence:bulk"),
            ("Precedence: junk", "precedence:junk"),
            ("Precedence: list", "precedence:list"),
            ("X-Autoreply: yes", "autoreply"),
            ("X-Autorespond: on vacation", "autoreply"),
            ("Auto-Submitted: auto-generated", "auto_submitted:auto-generated"),
        ],
    )
    async def test_headers(self, mail: Mail, header: str, reason: str) -> None:
        raw = mail.corpus("gmail_reply.eml").replace(
            b"MIME-Version", f"{header}\nMIME-Version".encode(), 1
        )
        assert (await mail.deliver(raw))["result"] == "quarantined"
        assert (await mail.quarantine())[0]["reason"] == reason
        await _nothing_happened(mail)

    async def test_auto_submitted_no_is_a_person(self, mail: Mail) -> None:
        raw = mail.corpus("gmail_reply.eml").replace(
            b"MIME-Version", b"Auto-Submitted: no\nMIME-Version", 1
        )
        assert (await mail.deliver(raw))["result"] == "reply"

    async def test_a_delivery_report_without_auto_submitted(self, mail: Mail) -> None:
        raw = mail.corpus("bounce.eml").replace(b"Auto-Submitted: auto-replied\n", b"")
        assert (await mail.deliver(raw))["result"] == "quarantined"
        assert (await mail.quarantine())[0]["reason"] == "delivery_report"

    @pytest.mark.parametrize(
        "sender", ["Support <support@example.com>", "SUPPORT+abc123@Example.com"]
    )
    async def test_our_own_mail(self, mail: Mail, sender: str) -> None:
        answer = await mail.deliver(mail.corpus("new_ticket.eml", sender=sender))
        assert answer["result"] == "quarantined"
        assert (await mail.quarantine())[0]["reason"] == "from_ourselves"
        await _nothing_happened(mail)


async def test_a_flooding_sender_is_held(app_with: AppFactory) -> None:
    mail = await start_mail(app_with, inbound_flood_per_10_minutes=3)
    results = []
    for number in range(5):
        raw = mail.corpus("new_ticket.eml").replace(b"new-ticket-1@", f"new-{number}@".encode())
        results.append((await mail.deliver(raw))["result"])
    assert results == ["new_ticket"] * 3 + ["quarantined"] * 2
    assert {m["reason"] for m in await mail.quarantine()} == {"flood"}


class TestExactlyOnce:
    async def test_the_same_message_at_once_makes_one_reply(self, mail: Mail) -> None:
        raw = mail.corpus("gmail_reply.eml")
        answers: list[Any] = await asyncio.gather(*(mail.deliver(raw) for _ in range(5)))
        results = sorted(a["result"] for a in answers)
        assert results == ["duplicate"] * 4 + ["reply"]
        assert len(await mail.replies()) == 1

    async def test_a_redelivery_later_is_a_duplicate(self, mail: Mail) -> None:
        raw = mail.corpus("new_ticket.eml")
        assert (await mail.deliver(raw))["result"] == "new_ticket"
        assert await mail.deliver(raw) == {"message": "Email accepted", "result": "duplicate"}
        assert await mail.db.tickets.count_documents({}) == 2


class TestAClaimLeftBehind:
    """A process that died between claiming a message and its outcome left it `processing`:
    the sender's redelivery takes it over once the claim is CLAIM_SECONDS old."""

    MESSAGE_ID = "<CAF3x9Zq1YbQ2m@mail.gmail.com>"  # gmail_reply.eml's

    async def leave_claim(self, mail: Mail, claimed_at: datetime) -> None:
        await mail.db.inbound_emails.insert_one(
            {
                "message_id": self.MESSAGE_ID,
                "from": mail.customer.email,
                "subject": "Re: Parcel never arrived",
                "envelope": [],
                "raw": b"",
                "size": 0,
                "received_at": claimed_at,
                "status": "processing",
                "claimed_at": claimed_at,
                "claim": ObjectId(),
            }
        )

    async def test_a_fresh_claim_is_still_a_duplicate(self, clock: Clock, mail: Mail) -> None:
        await self.leave_claim(mail, clock.now)
        clock.advance(seconds=CLAIM_SECONDS - 1)
        assert (await mail.deliver(mail.corpus("gmail_reply.eml")))["result"] == "duplicate"
        assert await mail.replies() == []

    async def test_a_stale_claim_is_taken_over(self, clock: Clock, mail: Mail) -> None:
        await self.leave_claim(mail, clock.now)
        clock.advance(seconds=CLAIM_SECONDS + 1)
        answer = await mail.deliver(mail.corpus("gmail_reply.eml"))
        assert (answer["result"], answer["ticket_id"]) == ("reply", mail.ticket_id)
        assert len(await mail.replies()) == 1
        [email] = await mail.db.inbound_emails.find({}).to_list()
        assert (email["status"], email["claimed_at"]) == ("reply", clock.now)
        assert (await mail.deliver(mail.corpus("gmail_reply.eml")))["result"] == "duplicate"

    async def test_redeliveries_at_once_take_it_over_once(self, clock: Clock, mail: Mail) -> None:
        await self.leave_claim(mail, clock.now)
        clock.advance(minutes=30)
        raw = mail.corpus("gmail_reply.eml")
        answers: list[Any] = await asyncio.gather(*(mail.deliver(raw) for _ in range(5)))
        assert sorted(a["result"] for a in answers) == ["duplicate"] * 4 + ["reply"]
        assert len(await mail.replies()) == 1
