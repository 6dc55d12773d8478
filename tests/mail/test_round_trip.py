"""The whole round trip: a notification goes out through a real SMTP server, the customer's
mail client answers it as Gmail does, and the answer lands in the right ticket, once; the
agent is told of it, the customer is not told of their own words."""

import asyncio
from email.message import EmailMessage
from email.utils import make_msgid

from tests.factories import create_ticket
from tests.mail.conftest import INBOUND_SECRET, Mail


def answer_as_a_mail_client(received: EmailMessage, sender: str, text: str) -> bytes:
    """What a mail client sends when its user presses Reply: to the Reply-To, threaded on the
    message, the message quoted under the new text."""
    answer = EmailMessage()
    answer["From"] = f"Cora Customer <{sender}>"
    answer["To"] = received["Reply-To"]
    answer["Subject"] = f"Re: {received['Subject']}"
    answer["Message-ID"] = make_msgid(domain="mail.gmail.example")
    answer["In-Reply-To"] = received["Message-ID"]
    answer["References"] = f"{received.get('References', '')} {received['Message-ID']}".strip()
    quoted = "\n".join(
        f"> {line}" for line in received.get_body(("plain",)).get_content().splitlines()
    )  # type: ignore[union-attr]
    answer.set_content(
        f"{text}\n\nOn Sun, 6 Dec 2026 at 10:02, Support <support@example.com> wrote:\n{quoted}\n"
    )
    return answer.as_bytes()


async def test_a_reply_by_mail_lands_in_its_ticket_once(mail: Mail) -> None:
    customer, agent = mail.actors.customer, mail.actors.agent
    ticket = await create_ticket(mail.client, customer)
    path = f"/api/support/tickets/{ticket['id']}"
    for step, body in (("assign-self/", None), ("replies/", {"body": "Could you send a photo?"})):
        response = await mail.client.post(f"{path}/{step}", json=body, headers=agent.headers)
        assert response.status_code in (200, 201), response.text
    await mail.run()
    staff_reply = next(m for m in mail.sink.messages() if "Could you send a photo?" in str(m))

    raw = answer_as_a_mail_client(staff_reply, customer.email, "Photo attached tomorrow, thanks!")
    headers = {"Content-Type": "message/rfc822", "Authorization": f"Bearer {INBOUND_SECRET}"}
    first, again = await asyncio.gather(
        *(mail.client.post("/api/inbound/email/", content=raw, headers=headers) for _ in range(2))
    )
    results = sorted(r.json()["result"] for r in (first, again))
    assert results == ["duplicate", "reply"], (first.text, again.text)
    assert {r.status_code for r in (first, again)} == {202}
    assert (
        next(r.json() for r in (first, again) if r.json()["result"] == "reply")["ticket_id"]
        == ticket["id"]
    )

    replies = (await mail.client.get(f"{path}/replies/", headers=agent.headers)).json()["replies"]
    by_mail = [r for r in replies if r["via"] == "email"]
    assert [r["body"] for r in by_mail] == ["Photo attached tomorrow, thanks!"]

    await mail.run()
    told = [(m["to"], m["kind"]) for m in await mail.outbox()]
    assert (agent.email, "customer_reply") in told
    assert told.count((customer.email, "staff_reply")) == 1  # not told of their own words
