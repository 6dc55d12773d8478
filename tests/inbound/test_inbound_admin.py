"""Issue 24: the inbound endpoint's own secret and bounds, the kept messages for staff, and
the quarantine for admins."""

from tests.conftest import AppFactory
from tests.inbound.conftest import SECRET, Mail, start_mail


class TestInboundSecret:
    async def test_a_wrong_secret_is_refused_in_the_references_shape(self, mail: Mail) -> None:
        response = await mail.post(mail.corpus("gmail_reply.eml"), secret=SECRET + "x")
        assert response.status_code == 401
        assert set(response.json()) == {"error", "code"}
        assert await mail.replies() == []

    async def test_a_users_token_is_no_secret(self, mail: Mail) -> None:
        response = await mail.client.post(
            "/api/inbound/email/",
            content=mail.corpus("gmail_reply.eml"),
            headers={"Content-Type": "message/rfc822", **mail.actors.admin.headers},
        )
        assert response.status_code == 401

    async def test_no_secret_configured_refuses_everyone(self, app_with: AppFactory) -> None:
        _, client = await app_with()
        response = await client.post(
            "/api/inbound/email/",
            content=b"Subject: x\n\nbody",
            headers={"Content-Type": "message/rfc822", "Authorization": "Bearer "},
        )
        assert response.status_code == 401
        response = await client.post(
            "/api/inbound/email/",
            content=b"Subject: x\n\nbody",
            headers={"Content-Type": "message/rfc822", "Authorization": "Bearer None"},
        )
        assert response.status_code == 401

    async def test_the_body_must_be_a_message(self, mail: Mail) -> None:
        response = await mail.client.post(
            "/api/inbound/email/",
            json={"raw": "x"},
            headers={"Authorization": f"Bearer {SECRET}"},
        )
        assert response.status_code == 400
        assert response.json()["code"] == "bad_request"


async def test_a_message_over_the_bound_is_413(app_with: AppFactory) -> None:
    mail = await start_mail(app_with, max_upload_bytes=4096)  # messages up to 16 KiB
    big = mail.corpus("new_ticket.eml") + b"x" * 17_000
    response = await mail.post(big)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert (await mail.post(mail.corpus("new_ticket.eml") + b"x" * 8_000)).status_code == 202


class TestKeptMessages:
    async def test_staff_list_and_read_a_tickets_messages(self, mail: Mail) -> None:
        raw = mail.corpus("outlook_reply.eml")
        await mail.deliver(raw)
        response = await mail.client.get(
            f"/api/support/tickets/{mail.ticket_id}/emails/", headers=mail.actors.agent.headers
        )
        assert response.status_code == 200
        [email] = response.json()["emails"]
        assert (email["from"], email["status"], email["size"]) == (
            mail.customer.email,
            "reply",
            len(raw),
        )
        response = await mail.client.get(
            f"/api/support/emails/{email['id']}/raw/", headers=mail.actors.agent.headers
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "message/rfc822"
        assert response.content == raw

    async def test_never_the_customer_nor_other_agents(self, mail: Mail) -> None:
        await mail.deliver(mail.corpus("outlook_reply.eml"))
        [email] = await mail.db.inbound_emails.find({}).to_list()
        for actor in (mail.customer, mail.actors.other_agent):
            listed = await mail.client.get(
                f"/api/support/tickets/{mail.ticket_id}/emails/", headers=actor.headers
            )
            raw = await mail.client.get(
                f"/api/support/emails/{email['_id']}/raw/", headers=actor.headers
            )
            assert (listed.status_code, raw.status_code) == (403, 403)
            assert b"nobody rang" not in raw.content

    async def test_a_message_without_a_ticket_is_for_admins(self, mail: Mail) -> None:
        await mail.deliver(mail.corpus("unknown_sender.eml"))
        [held] = await mail.quarantine()
        path = f"/api/support/emails/{held['id']}/raw/"
        assert (await mail.client.get(path, headers=mail.actors.agent.headers)).status_code == 403
        assert (await mail.client.get(path, headers=mail.actors.admin.headers)).status_code == 200


class TestRelease:
    async def test_an_unknown_sender_released_becomes_a_customer(self, mail: Mail) -> None:
        await mail.deliver(mail.corpus("unknown_sender.eml"))
        [held] = await mail.quarantine()
        path = f"/api/admin/mail/quarantine/{held['id']}/release/"
        response = await mail.client.post(path, headers=mail.actors.admin.headers)
        assert response.status_code == 200, response.text
        assert response.json()["result"] == "new_ticket"
        assert await mail.quarantine() == []
        again = await mail.client.post(path, headers=mail.actors.admin.headers)
        assert again.status_code == 409

    async def test_an_out_of_office_released_is_a_reply(self, mail: Mail) -> None:
        await mail.deliver(mail.corpus("out_of_office.eml"))
        [held] = await mail.quarantine()
        response = await mail.client.post(
            f"/api/admin/mail/quarantine/{held['id']}/release/", headers=mail.actors.admin.headers
        )
        assert response.json() == {
            "message": "Email accepted",
            "result": "reply",
            "ticket_id": mail.ticket_id,
        }
        [reply] = await mail.replies()
        assert reply["via"] == "email"

    async def test_a_stranger_stays_out_even_released(self, mail: Mail) -> None:
        await mail.deliver(mail.corpus("forward.eml", sender="Sis <sis@example.net>"))
        [held] = await mail.quarantine()
        response = await mail.client.post(
            f"/api/admin/mail/quarantine/{held['id']}/release/", headers=mail.actors.admin.headers
        )
        assert response.json()["result"] == "quarantined"
        assert (await mail.quarantine())[0]["reason"] == "forwarded"  # the same rule again
        assert await mail.replies() == []

    async def test_unknown_id_is_404(self, mail: Mail) -> None:
        response = await mail.client.post(
            "/api/admin/mail/quarantine/" + "0" * 24 + "/release/",
            headers=mail.actors.admin.headers,
        )
        assert response.status_code == 404
