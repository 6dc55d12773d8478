"""Threading with the customer's own mail: the messages a customer sent us for a ticket (the
one that opened it, their replies) are part of the thread our mail to them continues, so
their mail client shows our acknowledgement under what they sent, and our answers under
their replies."""

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

from tests.mail.conftest import Mail
from tests.mail.test_round_trip import answer_as_a_mail_client


def new_mail(sender: str, subject: str, text: str) -> EmailMessage:
    """A new message, as a customer writes it to the support address."""
    message = EmailMessage()
    message["From"] = f"Cora Customer <{sender}>"
    message["To"] = "support@example.com"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mail.gmail.example")
    message.set_content(text)
    return message


def ids(value: object) -> list[str]:
    return str(value).split()


class TestTheCustomersMailInTheThread:
    async def test_the_acknowledgement_of_a_ticket_opened_by_mail_answers_the_customers_mail(
        self, mail: Mail
    ) -> None:
        written = new_mail(mail.actors.customer.email, "Parcel lost", "It never came.")
        answer = await mail.deliver_to_us(written.as_bytes())
        assert answer["result"] == "new_ticket", answer
        await mail.run()
        (ack,) = mail.sink.messages()
        assert ack["Subject"] == f"[#{answer['ticket_id']}] Parcel lost"
        assert str(ack["In-Reply-To"]) == written["Message-ID"]
        assert ids(ack["References"]) == [written["Message-ID"]]

    async def test_a_staff_answer_to_a_reply_by_mail_answers_that_reply(self, mail: Mail) -> None:
        customer, agent = mail.actors.customer, mail.actors.agent
        written = new_mail(customer.email, "Parcel lost", "It never came.")
        ticket_id = (await mail.deliver_to_us(written.as_bytes()))["ticket_id"]
        path = f"/api/support/tickets/{ticket_id}"
        assert (await mail.client.post(f"{path}/assign-self/", headers=agent.headers)).is_success
        await mail.run()
        (ack,) = mail.sink.messages()
        reply = answer_as_a_mail_client(ack, customer.email, "Any news?")
        assert (await mail.deliver_to_us(reply))["result"] == "reply"
        replied = await mail.client.post(
            f"{path}/replies/", json={"body": "It is on its way."}, headers=agent.headers
        )
        assert replied.status_code == 201, replied.text
        await mail.run()
        to_customer = [m for m in mail.sink.messages() if customer.email in str(m["To"])]
        staff_reply = to_customer[-1]
        reply_id = str(message_from_bytes(reply, policy=policy.default)["Message-ID"])
        assert str(staff_reply["In-Reply-To"]) == reply_id
        assert ids(staff_reply["References"]) == [
            written["Message-ID"],
            str(ack["Message-ID"]),
            reply_id,
        ]
        # the agent was told of the reply, threaded on what the agent has: not on the
        # customer's messages, which the agent's mail client never saw
        told = [m for m in mail.sink.messages() if agent.email in str(m["To"])]
        assert told and all(reply_id not in str(m.get("References", "")) for m in told)

    async def test_the_same_mail_delivered_twice_is_in_the_thread_once(self, mail: Mail) -> None:
        written = new_mail(mail.actors.customer.email, "Parcel lost", "It never came.")
        first = await mail.deliver_to_us(written.as_bytes())
        again = await mail.deliver_to_us(written.as_bytes())
        assert (first["result"], again["result"]) == ("new_ticket", "duplicate")
        await mail.run()
        (ack,) = mail.sink.messages()
        assert ids(ack["References"]) == [written["Message-ID"]]
