"""Link tokens at rest: a survey's and a sign-in link's token are stored only as hashes, so once
their message has left (sent, or failed for good) no copy of it is kept anywhere: the outbox
drops the message's bytes and keeps what the admins' list and threading need."""

import re
from email import message_from_bytes, policy
from typing import Any

from app.core.db import Database
from tests.factories import create_ticket
from tests.mail.conftest import PUBLIC_URL, Mail

SURVEY = re.compile(re.escape(PUBLIC_URL) + r"/app/#/survey/([A-Za-z0-9_-]+)")
SIGN_IN = re.compile(re.escape(PUBLIC_URL) + r"/app/#/login\?magic=([A-Za-z0-9_-]+)")
KEPT = {"message_id", "subject", "to", "status", "attempts", "last_error", "ticket_id"}


def _texts(value: Any) -> list[str]:
    """Every string in a stored value; bytes also as the text of the message they may hold
    (a token in a quoted-printable line is not in the bytes as written)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    if isinstance(value, bytes):
        parts = message_from_bytes(value, policy=policy.default).walk()
        decoded = [p.get_payload(decode=True) for p in parts if not p.is_multipart()]
        return [value.decode("latin-1")] + [d.decode("latin-1") for d in decoded if d]
    return [str(value)]


async def stored_anywhere(db: Database, token: str) -> list[str]:
    """The collections whose documents hold `token`, in any field."""
    found = []
    for name in await db.list_collection_names():
        async for document in db[name].find():
            if any(token in text for text in _texts(document)):
                found.append(name)
                break
    return found


def link_in_mail(mail: Mail, link: re.Pattern[str]) -> str:
    for message in mail.sink.messages():
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        if found := link.search(text):
            return found.group(1)
    raise AssertionError("no link in the mail sent")


class TestNoTokenAtRest:
    async def test_the_survey_token_is_gone_once_the_resolved_mail_is_sent(
        self, mail: Mail
    ) -> None:
        ticket = await create_ticket(mail.client, mail.actors.customer)
        path = f"/api/support/tickets/{ticket['id']}"
        agent = mail.actors.agent
        assert (await mail.client.post(f"{path}/assign-self/", headers=agent.headers)).is_success
        resolved = await mail.client.put(
            f"{path}/update-status/", json={"status": "Resolved"}, headers=agent.headers
        )
        assert resolved.status_code == 200, resolved.text
        await mail.run()
        token = link_in_mail(mail, SURVEY)
        assert await stored_anywhere(mail.app.state.db, token) == []
        survey = await mail.client.get(f"/api/surveys/{token}/")
        assert survey.status_code == 200, survey.text  # the link still works: by its hash

    async def test_the_sign_in_token_is_gone_once_its_mail_is_sent(self, mail: Mail) -> None:
        asked = await mail.client.post(
            "/api/auth/magic-link/", json={"email": mail.actors.customer.email}
        )
        assert asked.status_code == 202, asked.text
        await mail.run()
        token = link_in_mail(mail, SIGN_IN)
        assert await stored_anywhere(mail.app.state.db, token) == []
        (sent,) = await mail.outbox(kind="sign_in_link")
        assert "raw" not in sent and sent.keys() >= KEPT and sent["status"] == "sent"

    async def test_a_message_that_failed_for_good_keeps_no_bytes(self, mail: Mail) -> None:
        mail.sink.answers.append("550 5.1.1 No such user")
        asked = await mail.client.post(
            "/api/auth/magic-link/", json={"email": mail.actors.customer.email}
        )
        assert asked.status_code == 202, asked.text
        assert await mail.run() == 1
        (failed,) = await mail.outbox(kind="sign_in_link")
        assert failed["status"] == "failed" and "raw" not in failed and failed.keys() >= KEPT
        listed = await mail.client.get(
            "/api/admin/mail/outbox/?status=failed", headers=mail.actors.admin.headers
        )
        assert listed.status_code == 200, listed.text
        (shown,) = listed.json()["messages"]
        assert shown["last_error"].startswith("550") and shown["subject"] == "Your sign-in link"

    async def test_a_message_to_be_retried_keeps_its_bytes(self, mail: Mail) -> None:
        mail.sink.answers.append("451 4.3.0 Try again later")
        await create_ticket(mail.client, mail.actors.customer)
        assert await mail.run() == 1
        (queued,) = await mail.outbox()
        assert queued["status"] == "queued" and queued["raw"]
