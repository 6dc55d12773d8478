"""Issue 24: a message whose processing fails leaves nothing behind, so the sending server's
retry makes the reply once. The failure is a real one: the ticket changed by another request
between the message's checks and its reply (the reply's guard then refuses it)."""

from typing import Any

import pytest
from bson import ObjectId

from tests.inbound.conftest import Mail, change_ticket_meanwhile


async def attachments(mail: Mail) -> list[dict[str, Any]]:
    response = await mail.client.get(
        f"/api/support/tickets/{mail.ticket_id}/attachments/", headers=mail.actors.admin.headers
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["attachments"]
    return found


class TestAFailedReplyByMail:
    async def test_takes_its_files_back_and_the_retry_lands_once(
        self, mail: Mail, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        change_ticket_meanwhile(mail, monkeypatch)
        raw = mail.corpus("photo_attachment.eml")
        response = await mail.post(raw)
        assert response.status_code == 409, response.text  # the pipe's curl -f: tried again
        assert await mail.replies() == []
        assert await attachments(mail) == []
        stored = await mail.db.tickets.find_one({"_id": ObjectId(mail.ticket_id)})
        assert stored is not None and stored["attachment_count"] == 0
        assert await mail.db.inbound_emails.count_documents({}) == 0

        assert (await mail.deliver(raw))["result"] == "reply"
        [reply] = await mail.replies()
        [photo] = await attachments(mail)
        assert [a["id"] for a in reply["attachments"]] == [photo["id"]]
