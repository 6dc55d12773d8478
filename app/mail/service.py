"""Mail: start-up, each user's notification settings, the unsubscribe link, the outbox."""

import logging

from bson import ObjectId

from app.auth.principal import User
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import FieldError, NotFound
from app.mail import links, queries
from app.mail.delivery import eml_directory, mail_on
from app.mail.documents import KINDS_BY_ROLE, MailKind, OutboxDoc, OutboxStatus

log = logging.getLogger("app.mail")
LINK_NOT_VALID = "This unsubscribe link is not valid"


async def prepare(*, db: Database, settings: Settings) -> None:
    """Mail starts with the events after its first start (never the history before); while
    it is off, the cursor follows the log, so turning it on sends nothing old."""
    on = mail_on(settings)
    await queries.start_cursor(db, skip_past=not on)
    if not on:
        log.warning("SMTP_URL is not set: no e-mail is sent (notifications are not queued)")
    elif settings.smtp_url is None:
        log.info("SMTP_URL is not set: e-mail is written to %s", eml_directory(settings).resolve())
    if on and not settings.public_urls:
        log.warning("PUBLIC_URLS is not set: e-mail carries no links (nor List-Unsubscribe)")


def _kinds(user_role: str) -> tuple[MailKind, ...]:
    return KINDS_BY_ROLE.get(user_role, ())


async def notification_settings(*, db: Database, user: User) -> dict[str, bool]:
    stored = await queries.preferences(db, user.id)
    return {kind.value: stored.get(kind.value, True) for kind in _kinds(user.role)}


async def change_notifications(
    *, db: Database, user: User, changes: dict[str, bool]
) -> dict[str, bool]:
    known = {kind.value for kind in _kinds(user.role)}
    for kind in changes:
        if kind not in known:
            raise FieldError(
                f"email.{kind}", f"Not a kind of e-mail for your account: {', '.join(known)}"
            )
    if changes:
        await queries.set_preferences(db, user.id, changes)
    return await notification_settings(db=db, user=user)


def unsubscribe_target(*, settings: Settings, token: str) -> tuple[ObjectId, MailKind]:
    """The user and the kind a valid link turns off; 404 for any other token."""
    found = links.read_unsubscribe_token(settings, token)
    if found is None:
        raise NotFound(LINK_NOT_VALID)
    return found


async def unsubscribe(*, db: Database, settings: Settings, token: str) -> MailKind:
    user_id, kind = unsubscribe_target(settings=settings, token=token)
    await queries.set_preferences(db, user_id, {kind.value: False})
    return kind


async def outbox(*, db: Database, status: OutboxStatus | None, limit: int) -> list[OutboxDoc]:
    return await queries.newest_messages(db, status=status, limit=limit)
