"""Webhooks for integrators: /api/admin/webhooks/... (admins)."""

from fastapi import APIRouter, status

from app.auth.deps import AdminUser
from app.core.deps import DEFAULT_LIMIT, DbDep, PageCursor, PageLimit, SettingsDep
from app.core.errors import responses
from app.core.schemas import MessageOut
from app.webhooks import service
from app.webhooks.schemas import (
    DeliveryListOut,
    DeliveryOut,
    SecretOut,
    WebhookCreatedOut,
    WebhookIn,
    WebhookListOut,
    WebhookOut,
    WebhookPatch,
)

router = APIRouter(prefix="/admin/webhooks", tags=["webhooks"])


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreatedOut,
    responses=responses(400, 401, 403, 413),
    summary="Register a webhook; the secret is shown here only (admins)",
)
async def create_webhook(
    data: WebhookIn, admin: AdminUser, db: DbDep, settings: SettingsDep
) -> WebhookCreatedOut:
    webhook = await service.create(db=db, settings=settings, admin=admin, data=data)
    return WebhookCreatedOut(webhook=WebhookOut.from_doc(webhook), secret=webhook["secret"])


@router.get(
    "/",
    response_model=WebhookListOut,
    responses=responses(401, 403),
    summary="Registered webhooks (admins)",
)
async def list_webhooks(admin: AdminUser, db: DbDep) -> WebhookListOut:
    found = await service.list_all(db=db, admin=admin)
    return WebhookListOut(webhooks=[WebhookOut.from_doc(w) for w in found])


@router.get(
    "/{webhook_id}/",
    response_model=WebhookOut,
    responses=responses(401, 403, 404),
    summary="One webhook (admins)",
)
async def get_webhook(webhook_id: str, admin: AdminUser, db: DbDep) -> WebhookOut:
    return WebhookOut.from_doc(await service.get(db=db, admin=admin, webhook_id=webhook_id))


@router.patch(
    "/{webhook_id}/",
    response_model=WebhookOut,
    responses=responses(400, 401, 403, 404, 413),
    summary="Change a webhook's URL, event types, description, or enable it again (admins)",
)
async def update_webhook(
    webhook_id: str, data: WebhookPatch, admin: AdminUser, db: DbDep, settings: SettingsDep
) -> WebhookOut:
    updated = await service.update(
        db=db, settings=settings, admin=admin, webhook_id=webhook_id, data=data
    )
    return WebhookOut.from_doc(updated)


@router.delete(
    "/{webhook_id}/",
    response_model=MessageOut,
    responses=responses(401, 403, 404),
    summary="Delete a webhook; its pending deliveries go with it (admins)",
)
async def delete_webhook(webhook_id: str, admin: AdminUser, db: DbDep) -> MessageOut:
    await service.delete(db=db, admin=admin, webhook_id=webhook_id)
    return MessageOut(message="Webhook deleted successfully")


@router.post(
    "/{webhook_id}/rotate-secret/",
    response_model=SecretOut,
    responses=responses(401, 403, 404),
    summary="A new signing secret, shown here only (admins)",
)
async def rotate_secret(webhook_id: str, admin: AdminUser, db: DbDep) -> SecretOut:
    return SecretOut(secret=await service.rotate_secret(db=db, admin=admin, webhook_id=webhook_id))


@router.post(
    "/{webhook_id}/test/",
    response_model=MessageOut,
    responses=responses(401, 403, 404),
    summary="Send a webhook.test event to this webhook (admins)",
)
async def test_webhook(webhook_id: str, admin: AdminUser, db: DbDep) -> MessageOut:
    await service.send_test(db=db, admin=admin, webhook_id=webhook_id)
    return MessageOut(message="Test event queued")


@router.get(
    "/{webhook_id}/deliveries/",
    response_model=DeliveryListOut,
    responses=responses(400, 401, 403, 404),
    summary="The webhook's deliveries and their attempts, oldest first (admins)",
)
async def list_deliveries(
    webhook_id: str,
    admin: AdminUser,
    db: DbDep,
    limit: PageLimit = DEFAULT_LIMIT,
    cursor: PageCursor = None,
) -> DeliveryListOut:
    page, next_cursor = await service.deliveries(
        db=db, admin=admin, webhook_id=webhook_id, limit=limit, cursor=cursor
    )
    return DeliveryListOut(deliveries=[DeliveryOut.of(d) for d in page], next_cursor=next_cursor)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry/",
    response_model=DeliveryOut,
    responses=responses(401, 403, 404),
    summary="Queue a delivery again at once (admins)",
)
async def retry_delivery(
    webhook_id: str, delivery_id: str, admin: AdminUser, db: DbDep
) -> DeliveryOut:
    queued = await service.retry(db=db, admin=admin, webhook_id=webhook_id, delivery_id=delivery_id)
    return DeliveryOut.of(queued)
