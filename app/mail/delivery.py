"""The outbox: messages made from the event log, delivered at least once.

`dispatch` follows one cursor over the numbered events and queues each event's messages (a
unique index on event, recipient and kind makes it idempotent, whichever process runs it);
`deliver_due` claims due messages one at a time under a lease on the database server's
clock, with a fencing token, as the webhooks' deliverer does: several processes never send
the same message at once, and one whose sender died is taken up when its lease ends. A
temporary failure (a 4xx answer, no connection, a timeout) is retried on MAIL_RETRY_SECONDS
with jitter; a permanent one (a 5xx answer) is not. Without SMTP_URL, in development, each
message is written as an .eml file under DATA_DIR/mail instead."""

import asyncio
import logging
import random
from datetime import datetime, timedelta
from email import policy
from pathlib import Path

from bson import ObjectId

from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database, Document
from app.core.leases import lease_owner
from app.core.tasks import stop_task
from app.mail import addresses, queries, smtp
from app.mail.compose import Draft, compose, subject_of
from app.mail.documents import OutboxDoc, new_message
from app.mail.drafts import drafts_of
from app.tickets import surveys

log = logging.getLogger("app.mail")
MAX_ERROR = 1000


def mail_on(settings: Settings) -> bool:
    """Production sends only with SMTP_URL; development writes files without one."""
    return settings.smtp_url is not None or not settings.is_production


def eml_directory(settings: Settings) -> Path:
    return settings.data_dir / "mail"


async def dispatch(db: Database, settings: Settings, *, batch: int = 200) -> int:
    """Queues the messages of the events after the cursor; returns how many were queued here."""
    if not mail_on(settings):
        return 0
    found = await queries.events_after(db, await queries.cursor(db), limit=batch)
    queued = 0
    for event in found:
        for draft in await drafts_of(db, settings, event):
            earlier = (
                await queries.thread(db, draft.ticket_id, draft.recipient.id, draft.recipient.email)
                if draft.ticket_id
                else []
            )
            message_id = addresses.message_id(settings, ticket_id=draft.ticket_id)
            message = compose(settings, draft, message_id=message_id, earlier=earlier)
            queued += await queries.queue_message(
                db,
                new_message(
                    event_seq=event["seq"],
                    kind=draft.kind,
                    recipient_id=draft.recipient.id,
                    to=draft.recipient.email,
                    subject=subject_of(draft),
                    ticket_id=draft.ticket_id,
                    message_id=message_id,
                    raw=message.as_bytes(policy=policy.SMTP),
                    token_hash=draft.token_hash,
                ),
            )
            if draft.survey_cycle is not None and draft.ticket_id is not None:
                await _attach_survey_token(db, event["seq"], draft, draft.ticket_id)
    if found:
        await queries.advance_cursor(db, found[-1]["seq"])
    return queued


async def _attach_survey_token(
    db: Database, event_seq: int, draft: Draft, ticket_id: ObjectId
) -> None:
    """The survey takes the token of the message queued (this dispatch's, or an earlier one's
    that stopped before this step): one valid token per survey, at least once."""
    queued = await queries.queued_token_hash(
        db, event_seq=event_seq, recipient_id=draft.recipient.id, kind=draft.kind.value
    )
    if queued is not None and draft.survey_cycle is not None:
        await surveys.attach_token(
            db, ticket_id=ticket_id, cycle=draft.survey_cycle, token_hash=queued
        )


def _retry_delay(settings: Settings, attempts: int) -> timedelta | None:
    schedule = settings.mail_retry_seconds
    if attempts > len(schedule):
        return None
    return timedelta(seconds=schedule[attempts - 1] * random.uniform(0.9, 1.1))  # noqa: S311


async def _write_eml(settings: Settings, message: OutboxDoc) -> None:
    directory = eml_directory(settings)
    path = directory / f"{message['created_at']:%Y%m%d-%H%M%S}-{message['_id']}.eml"
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(path.write_bytes, message["raw"])
    log.info("mail to %s (no SMTP_URL) written to %s", message["to"], path.resolve())


async def _send(settings: Settings, message: OutboxDoc) -> None:
    if settings.smtp_url is None:
        await _write_eml(settings, message)
        return
    await smtp.send(
        smtp.server_of(settings.smtp_url.get_secret_value()),
        message["raw"],
        sender=addresses.sender(settings).addr_spec,
        recipient=message["to"],
        step_seconds=settings.mail_timeout_seconds,
    )


async def _attempt(db: Database, settings: Settings, message: OutboxDoc, now: datetime) -> None:
    error: str | None = None
    permanent = False
    timeout = settings.mail_timeout_seconds
    try:
        async with asyncio.timeout(timeout):
            await _send(settings, message)
    except smtp.TemporaryFailure as failure:
        error = str(failure)
    except smtp.PermanentFailure as failure:
        error, permanent = str(failure), True
    except TimeoutError:
        error = f"TimeoutError: no answer within {timeout:g} seconds"
    except OSError as failure:  # the .eml file could not be written
        error = f"{type(failure).__name__}: {failure}"
    changes: Document = {"last_error": error[:MAX_ERROR] if error else None}
    if error is None:
        changes.update(status="sent", sent_at=now)
    else:
        delay = None if permanent else _retry_delay(settings, message["attempts"] + 1)
        if delay is None:
            changes["status"] = "failed"
            log.warning("mail %s to %s failed: %s", message["_id"], message["to"], error)
        else:
            changes["next_attempt_at"] = now + delay
    recorded = await queries.record_attempt(
        db,
        message["_id"],
        token=message["lease_token"],
        changes=changes,
        done=changes.get("status") in ("sent", "failed"),
    )
    if not recorded:  # another deliverer holds it now: its attempt is the one that counts
        log.warning("mail %s: the lease was lost during the attempt", message["_id"])


def lease_ms(settings: Settings) -> int:
    """An attempt's lease: twice its whole timeout, so the holder records its result in time."""
    return int(2 * settings.mail_timeout_seconds * 1000)


async def deliver_due(
    db: Database, settings: Settings, *, owner: str, now: datetime | None = None, limit: int = 50
) -> int:
    """Makes up to `limit` due attempts; returns how many. `now` is for tests to drive."""
    made = 0
    while made < limit:
        moment = now or utcnow()
        claimed = await queries.claim_due(db, moment, lease_ms=lease_ms(settings), owner=owner)
        if claimed is None:
            break
        await _attempt(db, settings, claimed, moment)
        made += 1
    return made


class Mailer:
    """The background loop (one per process that runs it): dispatch, deliver, wait."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.owner = lease_owner()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def run(self) -> None:
        if not mail_on(self.settings):
            return
        while not self._stopping:
            try:
                await dispatch(self.db, self.settings)
                await deliver_due(self.db, self.settings, owner=self.owner)
            except Exception:  # the database away: try again next round
                log.warning("mail delivery round failed", exc_info=True)
            await asyncio.sleep(self.settings.mail_poll_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="mail-deliverer")

    async def stop(self) -> None:
        """Cancels the round in progress (its message is retried when the lease ends)."""
        if self._task is not None:
            self._stopping = True
            await stop_task(self._task)
