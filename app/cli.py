"""`python -m app serve | worker | smtp | create-admin | seed-demo`."""

import argparse
import asyncio
import contextlib
import getpass
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import FrameType

from pydantic import ValidationError
from starlette.types import ASGIApp

from app.core.config import PASSWORD_MAX, PASSWORD_MIN, Settings
from app.core.db import Database, open_database
from app.core.embedded_db import embedded_database
from app.core.log import BANNER_VARIABLE, configure_logging
from app.core.security import PasswordHasher


def load_settings() -> Settings:
    """Settings, or one clear line and exit status 2 (e.g. a weak JWT_SECRET in production)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg'].removeprefix('Value error, ')}"
            if e["loc"]
            else e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        )
        print(f"Configuration error: {problems}", file=sys.stderr)
        raise SystemExit(2) from None


def _stop(signum: int, frame: FrameType | None) -> None:
    """SIGTERM/SIGINT outside uvicorn's own handling: before it starts (the embedded database
    starting), and when uvicorn, having stopped, raises the signal again for the handler it
    found. Either way `serve` unwinds (the embedded database stops) and exits with 0."""
    raise SystemExit(0)


def serve_app() -> ASGIApp:
    """What uvicorn runs in each worker: the app, its stop bounded."""
    from app.core.http_protocol import BoundedShutdown
    from app.main import create_app

    return BoundedShutdown(create_app())


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.core.http_protocol import GRACE_SECONDS, LimitedHeadersProtocol

    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _stop)
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_style)
    with contextlib.ExitStack() as stack:
        if settings.metrics_enabled:  # before prometheus_client is imported and the workers
            directory = settings.data_dir / "prometheus"  # start: they inherit it
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True)
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
            from app.core import metrics

            if settings.metrics_port is not None:
                from prometheus_client import start_http_server

                start_http_server(settings.metrics_port, registry=metrics.registry())
        if settings.mongodb_url is None:
            # Started once here, not per worker: the workers inherit MONGODB_URL.
            os.environ["MONGODB_URL"] = stack.enter_context(
                embedded_database(settings.data_dir)
            ).url
        if not settings.is_production and args.workers == 1:
            os.environ[BANNER_VARIABLE] = f"http://{args.host}:{args.port}"
        uvicorn.run(
            "app.cli:serve_app",
            factory=True,
            http=LimitedHeadersProtocol,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_config=None,
            server_header=False,
            # X-Forwarded-For is the app's to judge (TRUSTED_PROXIES, RequestContextMiddleware):
            # uvicorn's would believe any local process (127.0.0.1 by default) before it.
            proxy_headers=False,
            # Open event streams end at shutdown; a request still running after this is cut.
            timeout_graceful_shutdown=GRACE_SECONDS,
        )
    return 0


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Database]:
    """The database as the app would open it, indexes, bootstrap and seed included."""
    from app.main import prepare_database

    async with open_database(settings) as db:
        await prepare_database(db, settings, PasswordHasher.from_settings(settings))
        yield db


def worker(args: argparse.Namespace) -> int:
    """The event sequencer, webhook deliveries, the SLA breach sweeper and the mail outbox
    without the API (set EVENT_SEQUENCER_IN_API=false, WEBHOOK_DELIVERER_IN_API=false,
    SLA_SWEEPER_IN_API=false and MAIL_DELIVERER_IN_API=false on the API)."""
    from app.events.sequencer import Sequencer
    from app.mail.delivery import Mailer
    from app.sla.sweeper import Sweeper
    from app.webhooks.delivery import Deliverer

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_style)

    async def run() -> None:
        async with _database(settings) as db:
            sequencer = Sequencer(
                db,
                lease_seconds=settings.event_sequencer_lease_seconds,
                wait_seconds=settings.event_poll_seconds,
            )
            try:
                await asyncio.gather(
                    sequencer.run(),
                    Deliverer(db, settings).run(),
                    Sweeper(db, settings).run(),
                    Mailer(db, settings).run(),
                )
            finally:
                await sequencer.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


def smtp(args: argparse.Namespace) -> int:
    """The SMTP receiver for inbound mail (app/inbound/smtp.py), without the API."""
    from app.core.offload import Slots
    from app.inbound.mailroom import Mailroom
    from app.inbound.smtp import start_receiver

    settings = load_settings().with_dev_jwt_secret()  # reply tokens are signed with it
    configure_logging(settings.log_level, settings.log_style)

    async def run() -> None:
        async with _database(settings) as db:
            images = Slots(
                concurrency=settings.image_concurrency,
                wait_seconds=10,
                busy_message="Too many images at once",
            )
            room = Mailroom(db, settings, images, PasswordHasher.from_settings(settings))
            server = await start_receiver(room, host=args.host, port=args.port)
            print(f"SMTP receiver on {args.host}:{args.port}", file=sys.stderr, flush=True)
            async with server:
                await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


def create_admin(args: argparse.Namespace) -> int:
    from app.accounts.service import create_user
    from app.auth.documents import Role
    from app.core.errors import FieldError

    password = args.password or getpass.getpass("Password for the new admin: ")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        print(f"The password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters.", file=sys.stderr)
        return 2

    async def run() -> int:
        async with _database(load_settings()) as db:
            settings = load_settings()
            try:
                await create_user(
                    db=db,
                    hasher=PasswordHasher.from_settings(settings),
                    email=args.email,
                    password=password,
                    name=args.name,
                    role=Role.ADMIN,
                )
            except FieldError as exc:
                print(exc.message, file=sys.stderr)
                return 1
        print(f"Admin {args.email.lower()} created.")
        return 0

    return asyncio.run(run())


def seed_demo(args: argparse.Namespace) -> int:
    from app.demo import DEMO_PASSWORD
    from app.demo import seed_demo as fill

    def progress(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        print(
            f"\r  tickets [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    async def run() -> int:
        async with _database(load_settings()) as db:
            summary = await fill(
                db=db,
                customers=args.customers,
                agents=args.agents,
                tickets=args.tickets,
                progress=progress,
            )
        print(
            f"Seeded {len(summary.customers)} customers, {len(summary.agents)} approved agents, "
            f"{summary.tickets} tickets, {summary.notes} notes, {summary.feedback} feedback.\n"
            f"Log in as {summary.customers[0] if summary.customers else '-'} or "
            f"{summary.agents[0] if summary.agents else '-'} with password {DEMO_PASSWORD!r}."
        )
        return 0

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="run the API (what `make run` calls)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=serve)

    p = commands.add_parser(
        "worker",
        help="number events, deliver webhooks and mail, sweep SLA breaches (without the API)",
    )
    p.set_defaults(func=worker)

    p = commands.add_parser("smtp", help="receive inbound mail over SMTP (for an MX)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=2525)
    p.set_defaults(func=smtp)

    p = commands.add_parser("create-admin", help="create an admin account")
    p.add_argument("email")
    p.add_argument("--password", help="asked for when omitted")
    p.add_argument("--name", default="Administrator")
    p.set_defaults(func=create_admin)

    p = commands.add_parser("seed-demo", help="fill the database with demo data")
    p.add_argument("--customers", type=int, default=50)
    p.add_argument("--agents", type=int, default=5)
    p.add_argument("--tickets", type=int, default=500)
    p.set_defaults(func=seed_demo)

    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result
