"""The sign-in link's mail (auth/magic_link.py makes the link): queued in the outbox as a
message no event made, after the request has been answered, so the answer takes as long for
an unknown address as for a known one. Not a notification: no preference turns it off."""

from email import policy

from app.auth.magic_link import MAGIC_LINK_MINUTES, IssuedLink, hash_token
from app.core.config import Settings
from app.core.db import Database
from app.mail import addresses, links, queries
from app.mail.compose import Draft, Recipient, compose, subject_of
from app.mail.delivery import mail_on
from app.mail.documents import MailKind, new_message

SUBJECT = "Your sign-in link"


async def queue_sign_in_link(db: Database, settings: Settings, issued: IssuedLink) -> None:
    """Nothing without a recipient, without mail, or without PUBLIC_URLS (no link to give)."""
    link = links.sign_in_link(settings, issued.token)
    user = issued.user
    if user is None or link is None or not mail_on(settings):
        return
    recipient = Recipient(id=user["_id"], name=user["name"], email=user["email"], role=user["role"])
    draft = Draft(
        kind=MailKind.SIGN_IN_LINK,
        recipient=recipient,
        ticket_id=None,
        subject=SUBJECT,
        values={"sign_in_link": link, "minutes": MAGIC_LINK_MINUTES},
        token_hash=hash_token(issued.token),
    )
    message_id = addresses.message_id(settings, ticket_id=None)
    message = compose(settings, draft, message_id=message_id, earlier=[])
    await queries.queue_message(
        db,
        new_message(
            event_seq=await queries.next_direct_seq(db),
            kind=draft.kind,
            recipient_id=recipient.id,
            to=recipient.email,
            subject=subject_of(draft),
            ticket_id=None,
            message_id=message_id,
            raw=message.as_bytes(policy=policy.SMTP),
            token_hash=draft.token_hash,
        ),
    )
