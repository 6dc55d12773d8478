"""The application factory: `create_app()`, and `app` for `uvicorn app.main:app`."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from app.config import Settings, get_settings
from app.db import Database, create_client, ensure_indexes
from app.embedded_db import EmbeddedDatabase
from app.errors import install_error_handlers
from app.log import configure_logging
from app.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    TrailingSlashMiddleware,
)
from app.routers import admin, agents, auth, faq, health, tickets
from app.services import accounts
from app.services import faq as faq_service

log = logging.getLogger("app")

API_PREFIX = "/api"
DESCRIPTION = """Customer-support ticketing: customers open tickets about their deliveries,
approved support agents take and work them, admins oversee everything, customers rate the
outcome, and a public FAQ answers the common questions.

Authenticate with `POST /api/auth/login/` and send `Authorization: Bearer <access_token>`.
Every path works with and without its trailing slash. Errors: `{"error": "..."}`, or for
invalid input `{"field": ["message", ...]}` with status 400."""


async def prepare_database(db: Database, settings: Settings) -> None:
    """Idempotent start-up work, safe with several workers starting at once."""
    await ensure_indexes(db)
    await accounts.ensure_bootstrap_admin(db, settings)
    await faq_service.seed_faqs(db)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = (settings or get_settings()).with_dev_jwt_secret()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        embedded = None
        url = settings.mongodb_url
        if url is None:  # development only: production refuses to start without MONGODB_URL
            embedded = EmbeddedDatabase(settings.data_dir / "db")
            url = await anyio.to_thread.run_sync(embedded.start)
            log.warning(
                "Using the embedded development database (SecantusDB, data in %s). "
                "Set MONGODB_URL to use MongoDB instead.",
                embedded.storage_path,
            )
        client = create_client(settings, url)
        app.state.db = client[settings.mongodb_db]
        try:
            await prepare_database(app.state.db, settings)
            yield
        finally:
            await client.close()
            if embedded is not None:
                await anyio.to_thread.run_sync(embedded.stop)

    app = FastAPI(
        title="Customer Support API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,
    )
    app.state.settings = settings
    for router in (
        health.router,
        auth.router,
        tickets.router,
        agents.router,
        admin.router,
        faq.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    install_error_handlers(app)

    # Listed innermost first: a request meets RequestContext first.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(TrailingSlashMiddleware, prefix=API_PREFIX)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document_our_error_statuses(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _document_our_error_statuses(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI documents 422 for validation errors; we answer 400 in the reference's shape.
    Every operation with a body may also answer 413, and every one that reads the database
    503 while it is unreachable."""
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    bad_request_ref = {"$ref": "#/components/schemas/BadRequestOut"}

    def response(description: str, ref: dict[str, str]) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": ref}}}

    for path, operations in schema["paths"].items():
        for operation in operations.values():
            documented = operation["responses"]
            if documented.pop("422", None) is not None:
                documented.setdefault("400", response("Invalid input", bad_request_ref))
            if "requestBody" in operation:
                documented.setdefault("413", response("Request body too large", error_ref))
            if not path.endswith("/health/"):
                documented.setdefault("503", response("Database unavailable", error_ref))
    for unused in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(unused, None)
    return schema


@cache
def _default_app() -> FastAPI:
    return create_app()


def __getattr__(name: str) -> Any:
    # `uvicorn app.main:app` builds the app on first use, not at import: importing this module
    # (as the tests do) reads no environment and writes nothing.
    if name == "app":
        return _default_app()
    raise AttributeError(name)
