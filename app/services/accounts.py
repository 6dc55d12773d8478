"""Users: registration, admin approval of agents, activation, the bootstrap admin."""

import logging
import secrets
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from app.config import Settings
from app.db import Database, Document
from app.errors import BadRequest, FieldError, NotFound
from app.models.accounts import RegisterIn, User
from app.models.common import utcnow
from app.models.enums import Role
from app.security import hash_password
from app.services import throttling
from app.services.pagination import after_id, next_cursor, to_object_id

log = logging.getLogger("app.accounts")

DEV_ADMIN_EMAIL = "admin@localhost"
EMAIL_TAKEN = "A user with this email already exists."
TOO_MANY_REGISTRATIONS = "Too many registrations from this address. Try again later."


async def create_user(
    db: Database,
    *,
    email: str,
    password: str,
    name: str,
    role: Role,
    contact_number: str | None = None,
) -> Document:
    """Inserts a user; the unique email index (emails stored lower-cased) settles races."""
    now = utcnow()
    doc: Document = {
        "email": email.lower(),
        "name": name,
        "contact_number": contact_number,
        "role": role.value,
        "password_hash": await hash_password(password),
        "is_active": True,
        # Agents wait for an admin; customers and admins need no approval.
        "is_approved": role != Role.AGENT,
        "approved_at": None,
        "approved_by": None,
        "created_at": now,
        "updated_at": now,
    }
    try:
        result = await db.users.insert_one(doc)
    except DuplicateKeyError:
        raise FieldError("email", EMAIL_TAKEN) from None
    doc["_id"] = result.inserted_id
    return doc


async def register(
    db: Database, settings: Settings, *, data: RegisterIn, role: Role, client_address: str
) -> Document:
    """Public sign-up (customers, and agents who then wait for approval), throttled per
    client address."""
    key = f"register:{client_address}"
    window = timedelta(hours=1)
    await throttling.ensure_not_throttled(
        db,
        key=key,
        limit=settings.registrations_per_hour,
        window=window,
        message=TOO_MANY_REGISTRATIONS,
    )
    await throttling.record_event(db, key=key, window=window)
    return await create_user(
        db,
        email=data.email,
        password=data.password,
        name=data.name,
        role=role,
        contact_number=data.contact_number,
    )


async def approve_agent(db: Database, *, agent_id: str, admin: User) -> None:
    """Approving an approved agent again is a no-op that succeeds (approved_at is kept)."""
    oid = to_object_id(agent_id)
    if oid is None:
        raise NotFound("Agent not found")
    now = utcnow()
    approval = {"is_approved": True, "approved_at": now, "approved_by": admin.id, "updated_at": now}
    approved = await db.users.update_one(
        {"_id": oid, "role": Role.AGENT.value, "is_approved": False}, {"$set": approval}
    )
    if approved.matched_count:
        return
    existing = await db.users.find_one({"_id": oid}, {"role": 1})
    if existing is None or existing["role"] != Role.AGENT.value:
        raise NotFound("Agent not found")


async def list_agents(
    db: Database, *, approved: bool | None, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    query: dict[str, Any] = {"role": Role.AGENT.value}
    if approved is not None:
        query["is_approved"] = approved
    query["_id"] = {"$gt": after_id(cursor)}
    docs = (
        await db.users.find(query, {"password_hash": 0}).sort("_id", 1).limit(limit + 1).to_list()
    )
    return docs[:limit], next_cursor([str(d["_id"]) for d in docs], limit)


async def set_active(db: Database, *, user_id: str, active: bool, admin: User) -> Document:
    """Deactivation takes effect at once: every request loads its user and checks is_active."""
    oid = to_object_id(user_id)
    if oid is None:
        raise NotFound("User not found")
    if oid == admin.id and not active:
        raise BadRequest("You cannot deactivate your own account")
    result = await db.users.update_one(
        {"_id": oid}, {"$set": {"is_active": active, "updated_at": utcnow()}}
    )
    if result.matched_count == 0:
        raise NotFound("User not found")
    return await get_user_doc(db, user_id=oid)


async def get_user_doc(db: Database, *, user_id: ObjectId) -> Document:
    doc = await db.users.find_one({"_id": user_id}, {"password_hash": 0})
    if doc is None:
        raise NotFound("User not found")
    return doc


async def ensure_bootstrap_admin(db: Database, settings: Settings) -> None:
    """ADMIN_EMAIL/ADMIN_PASSWORD: make sure that admin exists (an existing account is left
    as it is). Development with neither and no admin: create admin@localhost with a random
    password, printed once. Safe with several workers: the unique email index decides."""
    if settings.admin_email and settings.admin_password:
        if await db.users.count_documents({"email": settings.admin_email.lower()}, limit=1):
            return
        await _create_admin_once(
            db, settings.admin_email, settings.admin_password.get_secret_value(), announce=False
        )
        return
    if settings.is_production:
        return
    if await db.users.count_documents({"role": Role.ADMIN.value}, limit=1):
        return
    await _create_admin_once(db, DEV_ADMIN_EMAIL, secrets.token_urlsafe(12), announce=True)


async def _create_admin_once(db: Database, email: str, password: str, *, announce: bool) -> None:
    try:
        await create_user(db, email=email, password=password, name="Administrator", role=Role.ADMIN)
    except FieldError:
        return  # another worker created it first
    if announce:
        # Printed once, on the start that created it: the only place this password appears.
        log.warning(
            "Created the development admin %s with password %s (set ADMIN_EMAIL and "
            "ADMIN_PASSWORD to choose your own)",
            email,
            password,
        )
    else:
        log.info("Created the admin %s", email)
