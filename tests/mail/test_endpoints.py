"""/api/me/notifications/, the unsubscribe link (GET changes nothing, POST one-click turns the
kind off) and the admins' outbox list."""

from urllib.parse import urlsplit

import httpx

from tests.factories import Actor, create_ticket
from tests.mail.conftest import Mail


async def notifications(client: httpx.AsyncClient, actor: Actor) -> dict[str, bool]:
    response = await client.get("/api/me/notifications/", headers=actor.headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["email"])


class TestNotificationSettings:
    async def test_each_role_has_its_kinds_all_on_at_first(self, mail: Mail) -> None:
        actors = mail.actors
        assert await notifications(mail.client, actors.customer) == {
            "ticket_created": True,
            "staff_reply": True,
            "ticket_resolved": True,
        }
        assert await notifications(mail.client, actors.agent) == {
            "ticket_assigned": True,
            "customer_reply": True,
            "sla_breach": True,
        }
        assert await notifications(mail.client, actors.admin) == {"agent_waiting": True}

    async def test_put_changes_the_kinds_given(self, mail: Mail) -> None:
        agent = mail.actors.agent
        response = await mail.client.put(
            "/api/me/notifications/", json={"email": {"sla_breach": False}}, headers=agent.headers
        )
        assert response.status_code == 200
        expected = {"ticket_assigned": True, "customer_reply": True, "sla_breach": False}
        assert response.json() == {"email": expected}
        assert await notifications(mail.client, agent) == expected

    async def test_a_kind_not_of_the_role_is_a_field_error(self, mail: Mail) -> None:
        for kind in ("bogus", "sla_breach"):
            response = await mail.client.put(
                "/api/me/notifications/",
                json={"email": {kind: False}},
                headers=mail.actors.customer.headers,
            )
            assert response.status_code == 400
            assert list(response.json()) == [f"email.{kind}"]
        assert all((await notifications(mail.client, mail.actors.customer)).values())


class TestUnsubscribe:
    async def link(self, mail: Mail) -> str:
        await create_ticket(mail.client, mail.actors.customer)
        await mail.run()
        (message,) = mail.sink.messages()
        return urlsplit(str(message["List-Unsubscribe"]).strip("<>")).path

    async def test_get_shows_a_page_and_changes_nothing(self, mail: Mail) -> None:
        path = await self.link(mail)
        response = await mail.client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert '<form method="post">' in response.text
        assert (await notifications(mail.client, mail.actors.customer))["ticket_created"]

    async def test_one_click_post_turns_the_kind_off(self, mail: Mail) -> None:
        path = await self.link(mail)
        response = await mail.client.post(
            path,
            content="List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["kind"] == "ticket_created"
        assert await notifications(mail.client, mail.actors.customer) == {
            "ticket_created": False,
            "staff_reply": True,
            "ticket_resolved": True,
        }
        await create_ticket(mail.client, mail.actors.customer)
        await mail.run()
        assert len(mail.sink.received) == 1  # the first ticket's only

    async def test_a_tampered_token_is_not_found(self, mail: Mail) -> None:
        path = await self.link(mail)
        token = path.rstrip("/").rsplit("/", 1)[1]
        forged = token.replace("ticket_created", "staff_reply")
        for bad in (forged, "x", token[:-2]):
            response = await mail.client.post(f"/api/mail/unsubscribe/{bad}/")
            assert response.status_code == 404, bad
        assert all((await notifications(mail.client, mail.actors.customer)).values())


class TestOutbox:
    async def test_admins_list_messages_newest_first_by_status(self, mail: Mail) -> None:
        mail.sink.answers.append("550 5.1.1 No such user")
        first = await create_ticket(mail.client, mail.actors.customer, subject="First")
        second = await create_ticket(mail.client, mail.actors.customer, subject="Second")
        await mail.run()
        admin = mail.actors.admin.headers
        listed = (await mail.client.get("/api/admin/mail/outbox/", headers=admin)).json()
        assert [m["ticket_id"] for m in listed["messages"]] == [second["id"], first["id"]]
        failed = listed["messages"][1]
        assert set(failed) == {
            "id",
            "to",
            "subject",
            "status",
            "attempts",
            "last_error",
            "ticket_id",
        }
        assert failed["status"] == "failed" and failed["attempts"] == 1
        assert failed["to"] == mail.actors.customer.email
        assert failed["subject"] == f"[#{first['id']}] First"
        only = await mail.client.get("/api/admin/mail/outbox/?status=sent", headers=admin)
        assert [m["ticket_id"] for m in only.json()["messages"]] == [second["id"]]
        bad = await mail.client.get("/api/admin/mail/outbox/?status=lost", headers=admin)
        assert bad.status_code == 400
        refused = await mail.client.get(
            "/api/admin/mail/outbox/", headers=mail.actors.agent.headers
        )
        assert refused.status_code == 403
