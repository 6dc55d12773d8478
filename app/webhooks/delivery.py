"""Delivering events to webhooks, at least once, from a durable queue in MongoDB.

`dispatch` turns the events that follow each enabled webhook's cursor into deliveries (a
unique index on webhook and event makes it idempotent); `deliver_due` claims due deliveries
one at a time under a lease (core/leases.py), so several instances never make the same
attempt at once, and a delivery whose deliverer died is taken up again when its lease ends.
The lease is twice WEBHOOK_TIMEOUT_SECONDS on the database server's clock, and a whole attempt
(resolving, connecting, sending, reading) is cut at WEBHOOK_TIMEOUT_SECONDS: the holder's
attempt ends well within its lease. Each claim has a fencing token; an attempt's result, and
what follows from it (the webhook failing, disabled), is recorded only with the token that
still holds the lease.
Each attempt resolves the webhook's host, checks the addresses and connects to the one it
checked (addresses.py), and is signed as the Standard Webhooks specification says; any
non-2xx answer, a redirect, a timeout or a refused address is a failure, retried on WEBHOOK_RETRY_SECONDS with
jitter. A webhook failing for WEBHOOK_DISABLE_AFTER_HOURS is disabled (`webhook.disabled`).
"""

import asyncio
import json
import logging
import random
import time
from datetime import UTC, datetime, timedelta

import httpx
from standardwebhooks import Webhook

from app.core import metrics
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database, Document
from app.core.leases import lease_owner
from app.core.tasks import stop_task
from app.events import record as events
from app.events.documents import SYSTEM, EventDoc, EventType
from app.events.record import Session
from app.events.schemas import EventOut
from app.webhooks import queries
from app.webhooks.addresses import AddressNotAllowed, destination
from app.webhooks.documents import DeliveryDoc, WebhookDoc, new_delivery

log = logging.getLogger("app.webhooks")
MAX_BODY_READ = 1024  # of a receiver's answer, for the delivery log
KEPT_ATTEMPTS = 20


# Presence comes and goes by the second: only a webhook that names it gets it.
OPT_IN_TYPES = frozenset({EventType.TICKET_PRESENCE.value})


def _matches(webhook: WebhookDoc, event: EventDoc) -> bool:
    if event["type"] == EventType.WEBHOOK_TEST:
        return bool(event.get("webhook_id") == webhook["_id"])
    if not webhook["event_types"]:
        return event["type"] not in OPT_IN_TYPES
    return event["type"] in webhook["event_types"]


def _body(event: EventDoc) -> str:
    data = EventOut.of(event).model_dump(mode="json")
    occurred = event["occurred_at"].astimezone(UTC).isoformat().replace("+00:00", "Z")
    return json.dumps({"type": event["type"], "timestamp": occurred, "data": data})


async def dispatch(db: Database, *, batch: int = 200) -> int:
    """Queues the deliveries of events newer than each enabled webhook's cursor."""
    queued = 0
    for webhook in await queries.enabled_webhooks(db):
        found = await queries.events_after(db, webhook["cursor"], limit=batch)
        if not found:
            continue
        deliveries = [
            new_delivery(
                webhook_id=webhook["_id"], event_seq=e["seq"], event_type=e["type"], body=_body(e)
            )
            for e in found
            if _matches(webhook, e)
        ]
        if deliveries:
            queued += await queries.queue_deliveries(db, deliveries)
        await queries.advance_cursor(db, webhook["_id"], found[-1]["seq"])
    return queued


def _retry_delay(settings: Settings, attempt_count: int) -> timedelta | None:
    schedule = settings.webhook_retry_seconds
    if attempt_count > len(schedule):
        return None
    return timedelta(seconds=schedule[attempt_count - 1] * random.uniform(0.9, 1.1))  # noqa: S311


async def _send(
    client: httpx.AsyncClient, url: httpx.URL, body: str, headers: dict[str, str], sni: str
) -> tuple[int, str | None]:
    """(status code, error) of one POST; raises httpx.ConnectError before anything is sent."""
    # the certificate is checked against the name (`sni`), not the address in `url`
    async with client.stream(
        "POST", url, content=body, headers=headers, extensions={"sni_hostname": sni}
    ) as response:
        received = b""
        async for chunk in response.aiter_bytes():
            received += chunk
            if len(received) >= MAX_BODY_READ:
                break
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, received[:MAX_BODY_READ].decode(errors="replace") or None


async def _post(
    settings: Settings, client: httpx.AsyncClient, webhook: WebhookDoc, delivery: DeliveryDoc
) -> tuple[int | None, str | None]:
    """(status code, error) of one signed POST, to an address just checked: the next one
    when one cannot be connected to, as a client given the name would do."""
    try:
        target = await destination(webhook["url"], allow_private=settings.webhook_allow_private)
    except AddressNotAllowed as refused:
        return None, str(refused)
    msg_id = f"msg_{delivery['_id']}"
    now = datetime.now(UTC)  # the signature's time is the wall clock's, as receivers check it
    headers = {
        "host": target.host_header,
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(webhook["secret"]).sign(msg_id, now, delivery["body"]),
    }
    failed: Exception | None = None
    for url in target.pinned_urls:
        try:
            return await _send(client, url, delivery["body"], headers, target.sni_hostname)
        except httpx.ConnectError as unreachable:
            failed = unreachable
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
            failed = error
            break
    return None, f"{type(failed).__name__}: {failed}"[:MAX_BODY_READ]


async def _disable(db: Database, webhook: WebhookDoc, now: datetime) -> None:
    async def work(session: Session) -> None:
        await queries.disable_webhook(db, webhook["_id"], now, session)
        await events.record(
            db,
            session,
            EventType.WEBHOOK_DISABLED,
            actor=SYSTEM,
            visibility="internal",
            data={"webhook_id": webhook["_id"], "failing_since": webhook["failing_since"]},
        )

    await events.in_transaction(db, work)
    log.warning(
        "webhook %s disabled after failing since %s", webhook["_id"], webhook["failing_since"]
    )


async def _attempt(
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
    delivery: DeliveryDoc,
    *,
    now: datetime,
) -> None:
    webhook = await queries.find_webhook(db, delivery["webhook_id"])
    started = time.perf_counter()
    status: int | None = None
    error: str | None = "The webhook is disabled or deleted"
    if webhook is not None and webhook["enabled"]:
        timeout = settings.webhook_timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                status, error = await _post(settings, client, webhook, delivery)
        except TimeoutError:
            status, error = None, f"TimeoutError: no answer within {timeout:g} seconds"
    attempt = {
        "at": now,
        "status_code": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "error": error,
    }
    count = delivery["attempt_count"] + 1
    changes: Document = {"attempt_count": count, "lease_owner": None, "lease_until": None}
    if error is None:
        changes.update(status="delivered", delivered_at=now)
    else:
        delay = _retry_delay(settings, count) if webhook and webhook["enabled"] else None
        if delay is None:
            changes["status"] = "failed"
        else:
            changes["next_attempt_at"] = now + delay
    recorded = await queries.record_attempt(
        db,
        delivery["_id"],
        token=delivery["lease_token"],
        changes=changes,
        attempt=attempt,
        kept=KEPT_ATTEMPTS,
    )
    if not recorded:  # another deliverer holds it now: its attempt is the one that counts
        log.warning("delivery %s: the lease was lost during the attempt", delivery["_id"])
        return
    outcome = "delivered" if error is None else changes.get("status", "retry")
    metrics.WEBHOOK_DELIVERIES.labels(outcome).inc()
    if webhook is None:
        return
    if error is None:
        if webhook["failing_since"] is not None:
            await queries.clear_failing(db, webhook["_id"])
    elif webhook["failing_since"] is None:
        await queries.mark_failing(db, webhook["_id"], now)
    elif webhook["enabled"] and now - webhook["failing_since"] >= timedelta(
        hours=settings.webhook_disable_after_hours
    ):
        await _disable(db, webhook, now)


async def deliver_due(
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
    *,
    owner: str,
    now: datetime | None = None,
    limit: int = 50,
) -> int:
    """Makes up to `limit` due attempts; returns how many. `now` is for tests to drive."""
    made = 0
    while made < limit:
        moment = now or utcnow()
        claimed = await queries.claim_due(db, moment, lease_ms=lease_ms(settings), owner=owner)
        if claimed is None:
            break
        await _attempt(db, settings, client, claimed, now=moment)
        made += 1
    return made


def lease_ms(settings: Settings) -> int:
    """An attempt's lease: twice its whole timeout, so the holder records its result in time."""
    return int(2 * settings.webhook_timeout_seconds * 1000)


def delivery_client(settings: Settings) -> httpx.AsyncClient:
    # No connection outlives its attempt: the pool knows connections by address only, and one
    # verified for one name must not carry another name's delivery to the same address.
    return httpx.AsyncClient(
        timeout=settings.webhook_timeout_seconds,
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


async def _measure_queue(db: Database) -> None:
    """The age of the oldest pending delivery, for /metrics (0 when none waits)."""
    oldest = await queries.oldest_pending_created_at(db)
    age = (utcnow() - oldest).total_seconds() if oldest else 0.0
    metrics.WEBHOOK_QUEUE_AGE.set(age)


class Deliverer:
    """The background loop (one per process that runs it): dispatch, deliver, wait."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.owner = lease_owner()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def run(self) -> None:
        async with delivery_client(self.settings) as client:
            while not self._stopping:
                try:
                    await dispatch(self.db)
                    await deliver_due(self.db, self.settings, client, owner=self.owner)
                    if self.settings.metrics_enabled:
                        await _measure_queue(self.db)
                except Exception:  # the database away: try again next round
                    log.warning("webhook delivery round failed", exc_info=True)
                await asyncio.sleep(self.settings.webhook_poll_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="webhook-deliverer")

    async def stop(self) -> None:
        """Cancels the round in progress (its delivery is retried when the lease ends), waiting
        a bounded time: a cancellation swallowed on the way (say, as an httpx timeout firing at
        that moment, handled as a failed attempt) ends the loop at its next turn instead."""
        if self._task is not None:
            self._stopping = True
            await stop_task(self._task)
