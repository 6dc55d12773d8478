"""The application factory: `create_app()`, and `app` for `uvicorn app.main:app`."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from fastapi import FastAPI

from app.accounts import queries as account_queries
from app.accounts import router as accounts
from app.accounts import service as account_service
from app.assignment import router as assignment
from app.attachments import router as attachments
from app.auth import queries as auth_queries
from app.auth import router as auth
from app.auth import service as auth_service
from app.canned import queries as canned_queries
from app.canned import router as canned
from app.console.router import install_console
from app.core import health, idempotency, ratelimit
from app.core.config import Settings, get_settings
from app.core.db import Database, Indexes, ensure_indexes, open_database
from app.core.docs import DOCS_PATHS, install_docs
from app.core.errors import install_error_handlers
from app.core.idempotency import IdempotencyMiddleware
from app.core.log import BANNER_VARIABLE, configure_logging, start_banner
from app.core.metrics import MetricsMiddleware, metrics_endpoint
from app.core.middleware import (
    BodySizeLimitMiddleware,
    HeadAsGetMiddleware,
    JsonCorsMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
    TrailingSlashMiddleware,
)
from app.core.offload import Slots
from app.core.openapi import build_openapi, operation_id
from app.core.ratelimit import RateLimitMiddleware
from app.core.security import PasswordHasher
from app.events import queries as event_queries
from app.events import router as events
from app.events import slots as stream_slots
from app.events.sequencer import Sequencer
from app.events.stream import Broadcaster
from app.faq import queries as faq_queries
from app.faq import router as faq
from app.faq.seed import seed_faqs
from app.faq.suggestions import SuggestionIndex
from app.inbound import queries as inbound_queries
from app.inbound import router as inbound
from app.inbound.limits import max_message_bytes
from app.macros import queries as macro_queries
from app.macros import router as macros
from app.mail import queries as mail_queries
from app.mail import router as mail
from app.mail import service as mail_service
from app.mail.delivery import Mailer
from app.merges import router as merges
from app.presence import queries as presence_queries
from app.replies import queries as reply_queries
from app.replies import router as replies
from app.reports import router as reports
from app.sla import router as sla
from app.sla.sweeper import Sweeper
from app.tickets import loads as ticket_loads
from app.tickets import presence_router, survey_router
from app.tickets import queries as ticket_queries
from app.tickets import router as tickets
from app.tickets import tool_router as ticket_tools
from app.webhooks import queries as webhook_queries
from app.webhooks import router as webhooks
from app.webhooks.delivery import Deliverer

API_PREFIX = "/api"
UPLOAD_PATH = r"^/api/support/tickets/[^/]+/attachments/?$"
INBOUND_EMAIL_PATH = r"^/api/inbound/email/?$"
MULTIPART_OVERHEAD_BYTES = 64 * 1024  # part headers and the visibility field
DESCRIPTION = """Customer-support ticketing: customers open tickets about their deliveries,
approved support agents take and work them, admins oversee everything, customers rate the
outcome, and a public FAQ answers the common questions.

Authenticate with `POST /api/auth/login/` and send `Authorization: Bearer <access_token>`.
Every path works with and without its trailing slash. Errors: `{"error": "..."}`, or for
invalid input `{"field": ["message", ...]}` with status 400."""


# Each domain declares the indexes its queries need, next to them.
DOMAIN_INDEXES: list[Indexes] = [
    idempotency.INDEXES,
    ratelimit.INDEXES,
    auth_queries.INDEXES,
    account_queries.INDEXES,
    ticket_queries.INDEXES,
    ticket_loads.INDEXES,
    reply_queries.INDEXES,
    faq_queries.INDEXES,
    event_queries.INDEXES,
    stream_slots.INDEXES,
    webhook_queries.INDEXES,
    mail_queries.INDEXES,
    canned_queries.INDEXES,
    macro_queries.INDEXES,
    presence_queries.INDEXES,
    inbound_queries.INDEXES,
]
ROUTERS = (
    health.router,
    auth.router,
    accounts.router,
    tickets.router,
    merges.router,
    ticket_tools.router,
    replies.router,
    attachments.router,
    events.router,
    webhooks.router,
    faq.router,
    sla.router,
    reports.router,
    assignment.router,
    mail.router,
    canned.router,
    macros.router,
    presence_router.router,
    inbound.router,
    survey_router.router,
)


async def prepare_database(
    db: Database, settings: Settings, hasher: PasswordHasher
) -> tuple[str, str] | None:
    """Idempotent start-up work, safe with several workers starting at once. Returns the
    development admin's credentials when this start created it."""
    await event_queries.retire_old_indexes(db)
    await ticket_queries.retire_old_indexes(db)
    await ensure_indexes(db, DOMAIN_INDEXES)
    await ticket_queries.add_missing_keys(db)
    created = await account_service.ensure_bootstrap_admin(db=db, settings=settings, hasher=hasher)
    await seed_faqs(db=db)
    await mail_service.prepare(db=db, settings=settings)
    return created


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = (settings or get_settings()).with_dev_jwt_secret()
    configure_logging(settings.log_level, settings.log_style)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings: Settings = app.state.settings  # what the app was made with
        async with open_database(settings) as db:
            app.state.db = db
            app.state.faq_suggestions = SuggestionIndex()
            created_admin = await prepare_database(db, settings, app.state.hasher)
            sequencer = Sequencer(
                db,
                lease_seconds=settings.event_sequencer_lease_seconds,
                wait_seconds=settings.event_poll_seconds,
            )
            if settings.event_sequencer_in_api:
                sequencer.start()
            app.state.broadcaster = Broadcaster(
                db,
                poll_seconds=settings.event_poll_seconds,
                write_wait_seconds=settings.event_write_wait_seconds,
            )
            app.state.stream_admission = stream_slots.StreamAdmission(
                db,
                max_per_worker=settings.stream_max_per_worker,
                max_per_user=settings.stream_max_per_user,
            )
            await app.state.broadcaster.start()
            deliverer = Deliverer(db, settings)
            if settings.webhook_deliverer_in_api:
                deliverer.start()
            sweeper = Sweeper(db, settings)
            if settings.sla_sweeper_in_api:
                sweeper.start()
            mailer = Mailer(db, settings)
            if settings.mail_deliverer_in_api:
                mailer.start()
            if banner_url := os.environ.get(BANNER_VARIABLE):
                print(start_banner(settings, banner_url, created_admin), flush=True)
            try:
                yield
            finally:  # together: each stop is bounded, and none waits for another
                await asyncio.gather(
                    mailer.stop(),
                    sweeper.stop(),
                    deliverer.stop(),
                    app.state.broadcaster.stop(),
                    sequencer.stop(),
                )

    app = FastAPI(
        title="Customer Support API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url=None,  # app/core/docs.py serves them, without a CDN
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_on else None,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.hasher = PasswordHasher.from_settings(settings)
    app.state.image_slots = Slots(
        concurrency=settings.image_concurrency,
        wait_seconds=10,
        busy_message="Too many uploads at once; try again in a moment",
    )
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    install_error_handlers(app)
    if settings.docs_on:
        install_docs(app, openapi_url="/openapi.json")
    install_console(app)

    # Listed innermost first: a request meets the last one added first. CORS is outermost,
    # so every answer carries its headers, a 413 or a last-resort 500 included.
    if settings.metrics_enabled:  # innermost: it sees the route the router matched
        app.add_middleware(MetricsMiddleware)
        if settings.metrics_port is None:
            app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.add_middleware(IdempotencyMiddleware, authenticate=auth_service.load_current_user)
    app.add_middleware(TrailingSlashMiddleware, prefix=API_PREFIX)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        large_bodies={
            UPLOAD_PATH: settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES,
            INBOUND_EMAIL_PATH: max_message_bytes(settings),
        },
    )
    app.add_middleware(
        RateLimitMiddleware,
        per_user=settings.rate_limit_per_user,
        per_address=settings.rate_limit_per_address,
        api_prefix=API_PREFIX,
    )
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, api_prefix=API_PREFIX, docs_paths=DOCS_PATHS)
    app.add_middleware(RequestContextMiddleware, trusted_proxies=settings.trusted_proxies)
    if settings.cors_origins:
        app.add_middleware(
            JsonCorsMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "X-Request-ID",
                "Idempotency-Key",
                "If-Match",
                "If-None-Match",
            ],
            expose_headers=[
                "X-Request-ID",
                "Retry-After",
                "RateLimit",
                "RateLimit-Policy",
                "ETag",
                "Idempotent-Replayed",
            ],
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, servers=settings.openapi_servers)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


@cache
def _default_app() -> FastAPI:
    return create_app()


def __getattr__(name: str) -> Any:
    # `uvicorn app.main:app` builds the app on first use, not at import: importing this module
    # (as the tests do) reads no environment and writes nothing.
    if name == "app":
        return _default_app()
    raise AttributeError(name)
