"""Issue 24, mail in: replies from real mail clients' shapes land in the right ticket once,
as public replies via e-mail, without the quoted message or the signature."""

from typing import Any

import pytest

from tests.factories import Actor, store_ticket
from tests.inbound.conftest import Mail

# (corpus file, the reply text expected exactly)
CLIENT_REPLIES = [
    ("gmail_reply.eml", "Thanks, the tracking number is 4711. I was at home all day."),
    ("outlook_reply.eml", "The driver left a card, but nobody rang the bell."),
    (
        "apple_reply.eml",
        "Found it \u2013 my neighbour had the parcel all along. You can close this.",
    ),
    ("html_only.eml", "Hello,\n\nthe box arrived crushed & wet."),
    (
        "latin1_reply.eml",
        "Gr\u00fc\u00dfe aus M\u00fcnchen: das Paket ist nicht da, die Stra\u00dfe stimmt.",
    ),
    ("signature_reply.eml", "Yes, please send a new one."),
]


class TestRepliesFromMailClients:
    @pytest.mark.parametrize(("name", "text"), CLIENT_REPLIES)
    async def test_the_reply_text_alone_lands_in_the_ticket(
        self, mail: Mail, name: str, text: str
    ) -> None:
        answer = await mail.deliver(mail.corpus(name))
        assert answer == {
            "message": "Email accepted",
            "result": "reply",
            "ticket_id": mail.ticket_id,
        }
        [reply] = await mail.replies()
        assert reply["body"] == text
        assert reply["via"] == "email"
        assert reply["author"]["id"] == mail.customer.id

    async def test_the_reply_event_says_via_email(self, mail: Mail) -> None:
        await mail.deliver(mail.corpus("gmail_reply.eml"))
        response = await mail.client.get(
            f"/api/support/tickets/{mail.ticket_id}/events/", headers=mail.actors.admin.headers
        )
        [created] = [e for e in response.json()["events"] if e["type"] == "reply.created"]
        assert created["data"]["via"] == "email"

    async def test_a_web_reply_says_via_web(self, mail: Mail) -> None:
        response = await mail.client.post(
            f"/api/support/tickets/{mail.ticket_id}/replies/",
            json={"body": "typed in the console"},
            headers=mail.customer.headers,
        )
        assert response.json()["reply"]["via"] == "web"

    async def test_a_photo_goes_through_the_upload_checks(self, mail: Mail) -> None:
        answer = await mail.deliver(mail.corpus("photo_attachment.eml"))
        assert answer["result"] == "reply"
        [reply] = await mail.replies()
        assert reply["body"] == "Here is a photo of the box."
        [photo] = reply["attachments"]
        assert (photo["filename"], photo["content_type"]) == ("box.png", "image/png")

    async def test_an_executable_attachment_is_refused_like_an_upload(self, mail: Mail) -> None:
        raw = mail.corpus("photo_attachment.eml").replace(b"image/png", b"application/x-msdownload")
        raw = raw.replace(b"box.png", b"setup.exe")
        raw = raw.replace(b"\n\niVBOR", b"\n\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA\niVBOR")
        await mail.deliver(raw)
        [reply] = await mail.replies()
        assert all(a["filename"] != "setup.exe" for a in reply["attachments"])

    async def test_a_reply_reopens_a_resolved_ticket(self, mail: Mail) -> None:
        resolved = await store_ticket(
            mail.db, mail.customer, status="Resolved", agent=mail.actors.agent
        )
        ticket_id = str(resolved["_id"])
        raw = mail.corpus("gmail_reply.eml", REPLY_TO=mail.token_address(mail.customer, ticket_id))
        raw = raw.replace(f"{mail.ticket_id}.".encode(), f"{ticket_id}.".encode())
        answer = await mail.deliver(raw)
        assert answer["ticket_id"] == ticket_id
        assert (await mail.ticket(ticket_id))["status"] == "In Progress"


class TestWhichTicket:
    async def test_the_token_wins_over_references_and_tag(self, mail: Mail) -> None:
        other = await store_ticket(mail.db, mail.customer, agent=mail.actors.agent)
        raw = mail.corpus(
            "gmail_reply.eml", REPLY_TO=mail.token_address(mail.customer, str(other["_id"]))
        )
        assert (await mail.deliver(raw))["ticket_id"] == str(other["_id"])

    async def test_our_message_id_alone_finds_the_ticket(self, mail: Mail) -> None:
        raw = mail.corpus(
            "gmail_reply.eml",
            REPLY_TO="support@example.com",
            TICKET="0" * 24,
            MESSAGE_ID=await mail.sent_message_id(),
        )
        assert (await mail.deliver(raw))["ticket_id"] == mail.ticket_id

    async def test_a_message_id_of_our_format_we_never_sent_names_nothing(self, mail: Mail) -> None:
        await mail.sent_message_id()  # another message on the ticket was sent
        raw = mail.corpus("gmail_reply.eml", REPLY_TO="support@example.com", TICKET="0" * 24)
        answer = await mail.deliver(raw)  # a known customer, no ticket matched: a new one
        assert answer["result"] == "new_ticket" and answer["ticket_id"] != mail.ticket_id
        assert await mail.replies() == []

    async def test_the_subject_tag_alone_serves_the_ticket_customer(self, mail: Mail) -> None:
        raw = mail.corpus("signature_reply.eml", REPLY_TO="support@example.com", MESSAGE_ID="<x@y>")
        answer = await mail.deliver(raw)
        assert (answer["result"], answer["ticket_id"]) == ("reply", mail.ticket_id)

    async def test_the_subject_tag_of_another_customers_ticket_opens_a_new_one(
        self, mail: Mail
    ) -> None:
        raw = mail.corpus(
            "signature_reply.eml",
            sender=mail.actors.other_customer,
            REPLY_TO="support@example.com",
            MESSAGE_ID="<x@y>",
        )
        answer = await mail.deliver(raw)
        assert answer["result"] == "new_ticket" and answer["ticket_id"] != mail.ticket_id
        assert await mail.replies() == []

    async def test_a_forwarded_notification_does_not_let_a_stranger_in(self, mail: Mail) -> None:
        answer = await mail.deliver(mail.corpus("forward.eml", sender="Sis <sis@example.net>"))
        assert answer["result"] == "quarantined"
        assert await mail.replies() == []
        [held] = await mail.quarantine()
        assert (held["from"], held["reason"]) == ("sis@example.net", "forwarded")

    @pytest.mark.parametrize(("who", "role"), [("agent", "support_agent"), ("admin", "admin")])
    async def test_staff_allowed_on_the_ticket_answer_the_customers_token(
        self, mail: Mail, who: str, role: str
    ) -> None:
        """A token names the ticket: whoever may write into it may answer with it."""
        raw = mail.corpus("gmail_reply.eml", sender=getattr(mail.actors, who))
        answer = await mail.deliver(raw)
        assert (answer["result"], answer["ticket_id"]) == ("reply", mail.ticket_id)
        [reply] = await mail.replies()
        assert reply["author"]["role"] == role

    async def test_an_agent_not_on_the_ticket_answering_a_token_is_held(self, mail: Mail) -> None:
        answer = await mail.deliver(mail.corpus("gmail_reply.eml", sender=mail.actors.other_agent))
        assert answer["result"] == "quarantined"
        assert (await mail.quarantine())[0]["reason"] == "forwarded"
        assert await mail.replies() == []

    async def test_another_customer_answering_a_token_is_held(self, mail: Mail) -> None:
        raw = mail.corpus("forward.eml", sender=mail.actors.other_customer)
        assert (await mail.deliver(raw))["result"] == "quarantined"
        assert (await mail.quarantine())[0]["reason"] == "forwarded"
        assert await mail.replies() == []

    async def test_the_assigned_agent_replies_with_their_own_token(self, mail: Mail) -> None:
        raw = mail.corpus(
            "outlook_reply.eml",
            sender=mail.actors.agent,
            REPLY_TO=mail.token_address(mail.actors.agent),
        )
        assert (await mail.deliver(raw))["result"] == "reply"
        [reply] = await mail.replies()
        assert reply["author"]["role"] == "support_agent"

    async def test_a_stranger_quoting_our_message_id_is_held(self, mail: Mail) -> None:
        raw = mail.corpus(
            "gmail_reply.eml",
            sender=mail.actors.other_customer,
            REPLY_TO="support@example.com",
            MESSAGE_ID=await mail.sent_message_id(),
        )
        answer = await mail.deliver(raw)
        assert answer["result"] == "quarantined"
        assert (await mail.quarantine())[0]["reason"] == "sender_not_allowed"
        assert await mail.replies() == []


class TestNewTickets:
    async def test_a_known_customer_opens_a_ticket(self, mail: Mail) -> None:
        answer = await mail.deliver(mail.corpus("new_ticket.eml"))
        assert answer["result"] == "new_ticket"
        ticket: dict[str, Any] = await mail.ticket(answer["ticket_id"])
        assert ticket["subject"] == "Where is my order 123?"
        assert ticket["description"] == (
            "My order 123 was due yesterday and the tracking page shows nothing."
        )
        assert (ticket["category"], ticket["customer_id"]) == ("Other", mail.customer.id)

    async def test_an_unknown_sender_is_held(self, mail: Mail) -> None:
        answer = await mail.deliver(mail.corpus("unknown_sender.eml"))
        assert answer == {"message": "Email accepted", "result": "quarantined"}
        [held] = await mail.quarantine()
        assert held["reason"] == "unknown_sender"
        assert held["subject"] == "Question about a delivery"

    async def test_staff_without_a_ticket_open_nothing(self, mail: Mail) -> None:
        answer = await mail.deliver(mail.corpus("new_ticket.eml", sender=mail.actors.agent))
        assert answer["result"] == "quarantined"

    async def test_a_deactivated_customer_is_held(self, mail: Mail) -> None:
        answer = await mail.deliver(mail.corpus("new_ticket.eml", sender=mail.actors.deactivated))
        assert answer["result"] == "quarantined"
        assert (await mail.quarantine())[0]["reason"] == "sender_inactive"


async def test_create_customer_makes_an_account_and_a_ticket(app_with: Any) -> None:
    from tests.inbound.conftest import start_mail

    mail = await start_mail(app_with, inbound_unknown_senders="create_customer")
    answer = await mail.deliver(mail.corpus("unknown_sender.eml"))
    assert answer["result"] == "new_ticket"
    user = await mail.db.users.find_one({"email": "someone.new@example.com"})
    assert user is not None and (user["role"], user["name"]) == ("user", "Someone New")
    ticket = await mail.ticket(answer["ticket_id"])
    assert ticket["customer_id"] == str(user["_id"])


class TestMergedTickets:
    """A reply to a ticket merged into another lands in the surviving ticket, whose own rules
    say who may write into it."""

    async def merge(self, mail: Mail, source_id: str, *, agent: Actor) -> str:
        target = await store_ticket(mail.db, mail.customer, agent=agent)
        response = await mail.client.post(
            f"/api/support/tickets/{target['_id']}/merge/",
            json={"source_ticket_ids": [source_id]},
            headers=mail.actors.admin.headers,
        )
        assert response.status_code == 200, response.text
        return str(target["_id"])

    async def test_the_reply_lands_in_the_surviving_ticket(self, mail: Mail) -> None:
        target_id = await self.merge(mail, mail.ticket_id, agent=mail.actors.agent)
        answer = await mail.deliver(mail.corpus("gmail_reply.eml"))
        assert (answer["result"], answer["ticket_id"]) == ("reply", target_id)
        [reply] = await mail.replies(target_id)
        assert reply["via"] == "email" and reply["author"]["id"] == mail.customer.id

    async def test_merges_are_followed_to_the_last_one(self, mail: Mail) -> None:
        middle_id = await self.merge(mail, mail.ticket_id, agent=mail.actors.agent)
        last_id = await self.merge(mail, middle_id, agent=mail.actors.agent)
        raw = mail.corpus("signature_reply.eml", REPLY_TO="support@example.com", MESSAGE_ID="<x@y>")
        answer = await mail.deliver(raw)  # by the subject tag of the first ticket
        assert (answer["result"], answer["ticket_id"]) == ("reply", last_id)

    async def test_the_sender_must_be_allowed_on_the_surviving_ticket(self, mail: Mail) -> None:
        target_id = await self.merge(mail, mail.ticket_id, agent=mail.actors.other_agent)
        raw = mail.corpus(
            "outlook_reply.eml",
            sender=mail.actors.agent,
            REPLY_TO=mail.token_address(mail.actors.agent),
        )
        answer = await mail.deliver(raw)
        assert (answer["result"], answer["ticket_id"]) == ("quarantined", target_id)
        assert (await mail.quarantine())[0]["reason"] == "sender_not_allowed"
        assert await mail.replies(target_id) == []
