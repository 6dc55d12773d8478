"""Webhooks for integrators (admins): registration, secrets, tests, the delivery log."""

import base64
import secrets

from app.auth import policy
from app.auth.principal import User
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database, Document
from app.core.errors import FieldError, NotFound
from app.core.ids import object_id_or_404
from app.core.pagination import OLDEST_FIRST, read_page
from app.events import queries as event_queries
from app.events import record as events
from app.events.documents import EventType, actor_of
from app.events.record import Session
from app.events.service import parse_types
from app.webhooks import queries
from app.webhooks.addresses import AddressNotAllowed, check_url
from app.webhooks.documents import DeliveryDoc, WebhookDoc, new_webhook
from app.webhooks.schemas import WebhookIn, WebhookPatch

WEBHOOK_NOT_FOUND = "Webhook not found"
# Development only: production does not advertise how to open its checks.
ALLOW_PRIVATE_HINT = (
    "Plain http and private addresses can be allowed with WEBHOOK_ALLOW_PRIVATE=true."
)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


async def _checked_url(url: str, settings: Settings) -> str:
    try:
        await check_url(url, allow_private=settings.webhook_allow_private)
    except AddressNotAllowed as refused:
        hint = refused.allowed_privately and not settings.is_production
        raise FieldError(
            "url", f"{refused} {ALLOW_PRIVATE_HINT}" if hint else str(refused)
        ) from None
    return url


async def _load(db: Database, webhook_id: str) -> WebhookDoc:
    found = await queries.webhooks(db).find_one(
        {"_id": object_id_or_404(webhook_id, WEBHOOK_NOT_FOUND)}
    )
    if found is None:
        raise NotFound(WEBHOOK_NOT_FOUND)
    return found


async def create(*, db: Database, settings: Settings, admin: User, data: WebhookIn) -> WebhookDoc:
    policy.ensure_admin(admin)
    webhook = new_webhook(
        url=await _checked_url(data.url, settings),
        event_types=parse_types(",".join(data.event_types)) or [],
        description=data.description,
        secret=new_secret(),
    )
    # Deliveries start with the events that follow the registration.
    webhook["cursor"] = await event_queries.latest_seq(db)
    await queries.webhooks(db).insert_one(webhook)
    return webhook


async def list_all(*, db: Database, admin: User) -> list[WebhookDoc]:
    policy.ensure_admin(admin)
    return await queries.all_webhooks(db)


async def get(*, db: Database, admin: User, webhook_id: str) -> WebhookDoc:
    policy.ensure_admin(admin)
    return await _load(db, webhook_id)


async def update(
    *, db: Database, settings: Settings, admin: User, webhook_id: str, data: WebhookPatch
) -> WebhookDoc:
    policy.ensure_admin(admin)
    webhook = await _load(db, webhook_id)
    changes: Document = {"updated_at": utcnow()}
    if data.url is not None:
        changes["url"] = await _checked_url(data.url, settings)
    if data.event_types is not None:
        changes["event_types"] = parse_types(",".join(data.event_types)) or []
    if data.description is not None:
        changes["description"] = data.description
    if data.enabled is not None:
        changes["enabled"] = data.enabled
        if data.enabled:
            changes["failing_since"] = None
    updated = await queries.update_webhook(db, webhook["_id"], changes)
    if updated is None:
        raise NotFound(WEBHOOK_NOT_FOUND)
    return updated


async def delete(*, db: Database, admin: User, webhook_id: str) -> None:
    policy.ensure_admin(admin)
    webhook = await _load(db, webhook_id)
    await queries.delete_webhook(db, webhook["_id"])


async def rotate_secret(*, db: Database, admin: User, webhook_id: str) -> str:
    """A new secret signs every delivery from now on, retries of older ones included."""
    policy.ensure_admin(admin)
    webhook = await _load(db, webhook_id)
    secret = new_secret()
    await queries.set_secret(db, webhook["_id"], secret, utcnow())
    return secret


async def send_test(*, db: Database, admin: User, webhook_id: str) -> None:
    """A `webhook.test` event for this webhook only, delivered like any other."""
    policy.ensure_admin(admin)
    webhook = await _load(db, webhook_id)

    async def work(session: Session) -> None:
        await events.record(
            db,
            session,
            EventType.WEBHOOK_TEST,
            actor=actor_of(admin),
            visibility="internal",
            data={"webhook_id": webhook["_id"]},
            webhook_id=webhook["_id"],
        )

    await events.in_transaction(db, work)


async def deliveries(
    *, db: Database, admin: User, webhook_id: str, limit: int, cursor: str | None
) -> tuple[list[DeliveryDoc], str | None]:
    policy.ensure_admin(admin)
    webhook = await _load(db, webhook_id)
    return await read_page(
        queries.deliveries(db),
        [{"webhook_id": webhook["_id"]}],
        keyset=OLDEST_FIRST,
        limit=limit,
        cursor=cursor,
    )


async def retry(*, db: Database, admin: User, webhook_id: str, delivery_id: str) -> DeliveryDoc:
    """Queues a delivery again at once (a failed one, or a pending one sooner)."""
    policy.ensure_admin(admin)
    webhook = await _load(db, webhook_id)
    oid = object_id_or_404(delivery_id, "Delivery not found")
    queued = await queries.requeue_delivery(db, oid, webhook["_id"], utcnow())
    if queued is None:
        raise NotFound("Delivery not found, or already delivered")
    return queued
