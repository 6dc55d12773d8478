"""Test fixtures: one real MongoDB wire-protocol server per run (SecantusDB as a subprocess,
or the MongoDB named by TEST_MONGODB_URL), a fresh database per test, and the app driven
in-process through httpx's ASGITransport with its lifespan run."""

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from app.core.clock import driven
from app.core.config import Settings
from app.core.db import Database
from app.core.embedded_db import embedded_database
from app.main import create_app
from tests.factories import Actor, Actors, make_actors

TEST_JWT_SECRET = "tK9v-Qm2x-Lp7w-Zr4n-Hb8c-Fj3d-Ue6y-Sa1g"  # strong enough for production


@pytest.fixture(scope="session")
def mongodb_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("TEST_MONGODB_URL"):
        yield url
        return
    with embedded_database(tmp_path_factory.mktemp("secantusdb"), quiet=True) as server:
        yield server.url


def make_settings(mongodb_url: str, data_dir: Path, **overrides: object) -> Settings:
    """Hermetic settings: every value the service reads is given, none from the environment."""
    values: dict[str, object] = {
        # Production mode: no generated admin, no generated secret (both tested on their own).
        "app_env": "production",
        "mongodb_url": mongodb_url,
        "mongodb_db": f"test_{uuid.uuid4().hex[:16]}",
        "data_dir": data_dir,
        "jwt_secret": TEST_JWT_SECRET,
        "admin_email": None,
        "admin_password": None,
        "cors_origins": [],
        "trusted_proxies": [],
        "log_level": "INFO",
        "docs_enabled": True,
        # In-process requests end when their response does: streams end quickly here
        # (tests/events/test_stream.py serves real HTTP with longer ones).
        "stream_max_seconds": 0.05,
        # Webhook tests drive deliveries themselves, to loopback receivers.
        "webhook_deliverer_in_api": False,
        # Mail tests drive the outbox themselves (dispatch, deliver_due), to a local SMTP server.
        "mail_deliverer_in_api": False,
        "sla_sweeper_in_api": False,
        # The suite makes hundreds of requests a second as one user: limits tested on their own
        # (tests/core/test_rate_limits.py, tests/system/test_two_instances.py).
        "rate_limit_per_user": 0,
        "rate_limit_per_address": 0,
        "webhook_allow_private": True,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(mongodb_url: str, tmp_path: Path) -> Settings:
    return make_settings(mongodb_url, tmp_path)


# Apps made in this process, by their settings but for the database and the data directory:
# a test gets a new database and lifespan in an app made before with the same settings. (An
# app's routes are compiled at its first request, which costs more than most tests do.)
# Two instances at once (tests/system/test_two_instances.py) are two apps. What an app keeps
# of its database lives in what its lifespan makes (app.state), made anew for each.
_MADE: dict[str, list[FastAPI]] = {}


@contextmanager
def _app_for(settings: Settings) -> Iterator[FastAPI]:
    shape = settings.model_copy(update={"mongodb_db": "", "data_dir": Path()}).model_dump_json()
    idle = _MADE.setdefault(shape, [])
    application = idle.pop() if idle else create_app(settings)
    application.state.settings = settings.with_dev_jwt_secret()
    routes = len(application.routes)
    yield application
    if len(application.routes) == routes:  # a test that added a route keeps its app
        idle.append(application)


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with its lifespan run (indexes, bootstrap), its database dropped once it has
    stopped (its background work, stopped first, would otherwise write into it again)."""
    with _app_for(settings) as application:
        try:
            async with application.router.lifespan_context(application):
                yield application
        finally:
            async with AsyncMongoClient(settings.mongodb_url) as client:
                await client.drop_database(settings.mongodb_db)


def http_client(application: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://test")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings) as application:
        yield application


AppFactory = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
async def app_with(mongodb_url: str, tmp_path: Path) -> AsyncIterator[AppFactory]:
    """For tests that need other settings: `app, client = await app_with(key=value)`."""
    async with AsyncExitStack() as stack:

        async def start(**overrides: object) -> tuple[FastAPI, httpx.AsyncClient]:
            application = await stack.enter_async_context(
                running_app(make_settings(mongodb_url, tmp_path, **overrides))
            )
            return application, await stack.enter_async_context(http_client(application))

        yield start


@pytest.fixture
def db(app: FastAPI) -> Database:
    database: Database = app.state.db
    return database


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as http:
        yield http


@pytest.fixture
async def actors(db: Database, settings: Settings) -> Actors:
    return await make_actors(db, settings)


@pytest.fixture
def customer(actors: Actors) -> Actor:
    return actors.customer


@pytest.fixture
def agent(actors: Actors) -> Actor:
    return actors.agent


@pytest.fixture
def admin(actors: Actors) -> Actor:
    return actors.admin


class Clock:
    """The service's time, driven by the test: starts at a fixed moment, moves only when told.
    (Tokens keep real time: they are signed and checked against it, see app/core/clock.py.)"""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Every module's `utcnow` reads this clock for the test."""
    test_clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # a Monday
    with driven(test_clock):
        yield test_clock


# The longest tests first: pytest-xdist hands tests out in this order, so none of them ends the
# run alone while the other processes wait (the fuzz test alone takes minutes).
LONGEST_FIRST = ("test_fuzz.py", "test_serve_stop.py", "test_query_plans.py", "test_demo.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.split("::")[0].rsplit("/", 1)[-1] not in LONGEST_FIRST)
