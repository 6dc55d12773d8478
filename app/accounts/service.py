"""Accounts: sign-up, admin approval of agents, activation, the bootstrap admin.

Deactivation ends access at once (every request loads its caller and checks `is_active`) and
hands a deactivated agent's unfinished tickets back to the queue, through the tickets service.
"""

import logging
import os
import secrets
from datetime import timedelta

from pymongo.errors import DuplicateKeyError

from app.accounts import queries
from app.accounts.schemas import RegisterIn, UserStatusOut
from app.auth import policy, throttling
from app.auth import queries as user_queries
from app.auth import service as auth_service
from app.auth.documents import Role, UserDoc, new_user
from app.auth.principal import User
from app.auth.schemas import AccountOut
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database, Document
from app.core.errors import BadRequest, FieldError, NotFound
from app.core.ids import object_id_or_404
from app.core.log import BANNER_VARIABLE, security_event
from app.core.security import PasswordHasher
from app.events import record as events
from app.events.documents import EventType, actor_of
from app.events.record import Session
from app.tickets import autoassign
from app.tickets import service as ticket_service

log = logging.getLogger("app.accounts")

DEV_ADMIN_EMAIL = "admin@localhost"
EMAIL_TAKEN = "A user with this email already exists."
TOO_MANY_REGISTRATIONS = "Too many registrations from this address. Try again later."


async def create_user(
    *,
    db: Database,
    hasher: PasswordHasher,
    email: str,
    password: str,
    name: str,
    role: Role,
    contact_number: str | None = None,
) -> UserDoc:
    """Inserts a user (an agent with its `agent.registered` event); the unique email index
    (emails stored lower-cased) settles races."""
    user = new_user(
        email=email,
        name=name,
        role=role,
        password_hash=await hasher.hash(password),
        contact_number=contact_number,
    )

    async def work(session: Session) -> None:
        await user_queries.insert_user(db, user, txn=session)
        if role == Role.AGENT:
            await events.record(
                db,
                session,
                EventType.AGENT_REGISTERED,
                actor={"type": "user", "id": user["_id"], "role": role.value},
                visibility="internal",
                data={"user_id": user["_id"], "name": user["name"], "email": user["email"]},
            )

    try:
        await events.in_transaction(db, work)
    except DuplicateKeyError:
        raise FieldError("email", EMAIL_TAKEN) from None
    return user


async def register(
    *,
    db: Database,
    settings: Settings,
    hasher: PasswordHasher,
    data: RegisterIn,
    role: Role,
    client_address: str,
) -> UserDoc:
    """Public sign-up (customers, and agents who then wait for approval), throttled per
    client address: every attempt counts, recorded before the account is made."""
    throttle = throttling.Throttle(
        "registration",
        f"register:{throttling.address_key(client_address)}",
        settings.registrations_per_hour,
        timedelta(hours=1),
    )
    await throttling.record_attempt(db, [throttle], message=TOO_MANY_REGISTRATIONS)
    return await create_user(
        db=db,
        hasher=hasher,
        email=data.email,
        password=data.password,
        name=data.name,
        role=role,
        contact_number=data.contact_number,
    )


async def approve_agent(*, db: Database, agent_id: str, admin: User) -> None:
    """Approving an approved agent again is a no-op that succeeds (approved_at is kept)."""
    policy.ensure_admin(admin)
    oid = object_id_or_404(agent_id, "Agent not found")
    now = utcnow()
    approval = {"is_approved": True, "approved_at": now, "approved_by": admin.id, "updated_at": now}

    async def work(session: Session) -> bool:
        approved = await queries.approve_agent(db, oid, approval, txn=session)
        if approved:
            await events.record(
                db,
                session,
                EventType.AGENT_APPROVED,
                actor=actor_of(admin),
                visibility="internal",
                data={"user_id": oid},
            )
        return approved

    if await events.in_transaction(db, work):
        security_event("agent_approved", actor_id=str(admin.id), target_id=str(oid))
        return
    existing = await queries.find_role(db, oid)
    if existing is None or existing["role"] != Role.AGENT.value:
        raise NotFound("Agent not found")


async def list_agents(
    *, db: Database, admin: User, approved: bool | None, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    policy.ensure_admin(admin)
    return await queries.page_of_agents(db, approved=approved, limit=limit, cursor=cursor)


async def set_active(*, db: Database, user_id: str, active: bool, admin: User) -> UserStatusOut:
    """Deactivation takes effect at once: every request loads its caller and checks
    is_active, and every login of the user ends (activation revives none: the user signs in
    again). A deactivated agent's unfinished tickets go back to the unassigned queue."""
    policy.ensure_admin(admin)
    oid = object_id_or_404(user_id, "User not found")
    if oid == admin.id and not active:
        raise BadRequest("You cannot deactivate your own account", code="cannot_deactivate_self")
    account = await user_queries.find_account(db, oid)
    if account is None:
        raise NotFound("User not found")
    now = utcnow()

    async def work(session: Session) -> int:
        if not await queries.set_active(db, oid, active=active, at=now, txn=session):
            raise NotFound("User not found")
        if not active:
            await auth_service.end_sessions_of(db=db, user_id=oid, txn=session)
        await events.record(
            db,
            session,
            EventType.USER_ACTIVATED if active else EventType.USER_DEACTIVATED,
            actor=actor_of(admin),
            visibility="internal",
            data={"user_id": oid, "role": account["role"]},
        )
        if active or account["role"] != Role.AGENT.value:
            return 0
        return await ticket_service.release_tickets_of(
            db=db, session=session, agent_id=oid, by=admin
        )

    released = await events.in_transaction(db, work)
    if released:  # back in the queue: auto-assignment may hand them to others
        await autoassign.assign_waiting(db)
    verb = "activated" if active else "deactivated"
    security_event(
        f"user_{verb}", actor_id=str(admin.id), target_id=str(oid), released=str(released)
    )
    return UserStatusOut(
        message=f"User {verb} successfully",
        user=AccountOut.from_doc({**account, "is_active": active}),
        released_tickets=released,
    )


async def ensure_bootstrap_admin(
    *, db: Database, settings: Settings, hasher: PasswordHasher
) -> tuple[str, str] | None:
    """ADMIN_EMAIL/ADMIN_PASSWORD: make sure that admin exists (an existing account is left
    as it is). Development with neither and no admin: create admin@localhost with a random
    password, printed once. Safe with several workers: the unique email index decides."""
    if settings.admin_email and settings.admin_password:
        if await user_queries.find_by_email(db, settings.admin_email) is not None:
            return None
        await _create_admin_once(
            db,
            hasher,
            settings.admin_email,
            settings.admin_password.get_secret_value(),
            announce=False,
        )
        return None
    if settings.is_production or await queries.admin_exists(db):
        return None
    password = secrets.token_urlsafe(12)
    if await _create_admin_once(db, hasher, DEV_ADMIN_EMAIL, password, announce=True):
        return DEV_ADMIN_EMAIL, password
    return None


async def _create_admin_once(
    db: Database, hasher: PasswordHasher, email: str, password: str, *, announce: bool
) -> bool:
    try:
        await create_user(
            db=db,
            hasher=hasher,
            email=email,
            password=password,
            name="Administrator",
            role=Role.ADMIN,
        )
    except FieldError:
        return False  # another worker created it first
    if announce and os.environ.get(BANNER_VARIABLE):  # `serve` prints it in its banner
        log.warning(
            "Created the development admin %s; its password is in the start banner (set "
            "ADMIN_EMAIL and ADMIN_PASSWORD to choose your own)",
            email,
        )
    elif announce:
        # Printed once, on the start that created it: the only place this password appears.
        log.warning(
            "Created the development admin %s with password %s (set ADMIN_EMAIL and "
            "ADMIN_PASSWORD to choose your own)",
            email,
            password,
        )
    else:
        log.info("Created the admin %s", email)
    return True
