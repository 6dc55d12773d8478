"""The outbox's delivery: retried after a temporary failure, not after a permanent one,
credentials never in clear, each message sent once by simultaneous deliverers, and the
development fallback (.eml files)."""

import asyncio
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

from app.core.clock import utcnow
from app.mail import queries
from app.mail.delivery import deliver_due, dispatch, lease_ms
from tests.conftest import AppFactory, Clock
from tests.factories import create_ticket, make_actors
from tests.mail.conftest import Mail, Sink, free_port


class TestRetries:
    async def test_a_temporary_failure_is_retried_then_sent(self, mail: Mail) -> None:
        mail.sink.answers.append("451 4.3.0 Try again later")
        await create_ticket(mail.client, mail.actors.customer)
        now = utcnow() + timedelta(seconds=5)  # after it was queued
        assert await mail.run(now=now) == 1
        (queued,) = await mail.outbox()
        assert queued["status"] == "queued" and queued["attempts"] == 1
        assert "451" in queued["last_error"] and mail.sink.received == []
        assert await mail.run(now=now) == 0  # not due yet
        assert await mail.run(now=now + timedelta(hours=1)) == 1
        (sent,) = await mail.outbox()
        assert sent["status"] == "sent" and sent["attempts"] == 2 and sent["last_error"] is None
        assert len(mail.sink.received) == 1

    async def test_a_permanent_failure_is_not_retried(self, mail: Mail) -> None:
        mail.sink.answers.append("550 5.1.1 No such user")
        await create_ticket(mail.client, mail.actors.customer)
        assert await mail.run() == 1
        (failed,) = await mail.outbox()
        assert failed["status"] == "failed" and failed["attempts"] == 1
        assert failed["last_error"].startswith("550")
        assert await mail.run(now=utcnow() + timedelta(days=2)) == 0
        assert mail.sink.received == []

    async def test_an_unreachable_server_is_a_temporary_failure(self, app_with: AppFactory) -> None:
        app, client = await app_with(smtp_url=f"smtp://127.0.0.1:{free_port()}")
        actors = await make_actors(app.state.db, app.state.settings)
        await create_ticket(client, actors.customer)
        await dispatch(app.state.db, app.state.settings)
        assert await deliver_due(app.state.db, app.state.settings, owner="t") == 1
        (queued,) = await app.state.db.mail_outbox.find().to_list()
        assert queued["status"] == "queued" and queued["last_error"]


async def test_credentials_are_never_sent_without_tls(
    app_with: AppFactory, smtp_server: tuple[Sink, str]
) -> None:
    """The server offers AUTH in clear and no STARTTLS: the client refuses to log in."""
    sink, url = smtp_server
    app, client = await app_with(smtp_url=url.replace("smtp://", "smtp://ann:s3cret@"))
    actors = await make_actors(app.state.db, app.state.settings)
    await create_ticket(client, actors.customer)
    await dispatch(app.state.db, app.state.settings)
    assert await deliver_due(app.state.db, app.state.settings, owner="t") == 1
    (failed,) = await app.state.db.mail_outbox.find().to_list()
    assert failed["status"] == "failed" and "STARTTLS" in failed["last_error"]
    assert "s3cret" not in failed["last_error"]
    assert sink.logins == [] and sink.received == []


async def test_two_deliverers_at_once_send_each_message_once(mail: Mail) -> None:
    for n in range(6):
        await create_ticket(mail.client, mail.actors.customer, subject=f"Parcel {n}")
    await dispatch(mail.app.state.db, mail.app.state.settings)
    db, settings = mail.app.state.db, mail.app.state.settings
    made = await asyncio.gather(
        deliver_due(db, settings, owner="a"), deliver_due(db, settings, owner="b")
    )
    assert sum(made) == 6
    ids = [m["Message-ID"] for m in mail.sink.messages()]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert {m["status"] for m in await mail.outbox()} == {"sent"}


async def test_two_dispatchers_at_once_queue_each_message_once(mail: Mail) -> None:
    for _ in range(3):
        await create_ticket(mail.client, mail.actors.customer)
    db, settings = mail.app.state.db, mail.app.state.settings
    queued = await asyncio.gather(dispatch(db, settings), dispatch(db, settings))
    assert sum(queued) == 3 and len(await mail.outbox()) == 3


class TestWithoutSmtpUrl:
    async def test_development_writes_eml_files(self, app_with: AppFactory, tmp_path: Path) -> None:
        app, client = await app_with(app_env="development", smtp_url=None)
        actors = await make_actors(app.state.db, app.state.settings)
        await create_ticket(client, actors.customer, subject="Written to disk")
        await dispatch(app.state.db, app.state.settings)
        assert await deliver_due(app.state.db, app.state.settings, owner="t") == 1
        (path,) = (tmp_path / "mail").glob("*.eml")
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert message["To"].addresses[0].addr_spec == actors.customer.email
        assert message["Subject"].endswith("Written to disk")
        (sent,) = await app.state.db.mail_outbox.find().to_list()
        assert sent["status"] == "sent"

    async def test_production_queues_nothing(self, app_with: AppFactory) -> None:
        app, client = await app_with(smtp_url=None)
        actors = await make_actors(app.state.db, app.state.settings)
        await create_ticket(client, actors.customer)
        assert await dispatch(app.state.db, app.state.settings) == 0
        assert await app.state.db.mail_outbox.count_documents({}) == 0


class TestTheLease:
    """A deliverer that claimed a message and died: its lease, on the database server's
    clock, holds the message however far ahead another deliverer's own clock runs; once it
    ends, another deliverer sends the message, and the dead one's late result counts for
    nothing (its fencing token no longer holds)."""

    async def test_another_deliverer_takes_over_once_the_lease_ends(
        self, clock: Clock, mail: Mail
    ) -> None:
        db, settings = mail.app.state.db, mail.app.state.settings
        await create_ticket(mail.client, mail.actors.customer)
        await dispatch(db, settings)
        dead = await queries.claim_due(db, clock(), lease_ms=lease_ms(settings), owner="dead")
        assert dead is not None and dead["lease_owner"] == "dead"
        clock.advance(days=1)
        assert await deliver_due(db, settings, owner="alive") == 0
        await db.mail_outbox.update_many(
            {}, {"$set": {"lease_until": datetime(2000, 1, 1, tzinfo=UTC)}}
        )  # the lease ended
        assert await deliver_due(db, settings, owner="alive") == 1
        late = {"status": "failed", "last_error": "451 late"}
        assert not await queries.record_attempt(
            db, dead["_id"], token=dead["lease_token"], changes=late, done=True
        )
        (sent,) = await mail.outbox()
        assert (sent["status"], sent["attempts"], sent["last_error"]) == ("sent", 1, None)
        assert sent["sent_at"] == clock() and sent["lease_owner"] is None
        assert len(mail.sink.received) == 1
