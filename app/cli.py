"""`python -m app serve | create-admin | seed-demo`."""

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import ValidationError

from app.config import Settings
from app.db import Database, create_client, ensure_indexes
from app.embedded_db import EmbeddedDatabase
from app.log import configure_logging

log = logging.getLogger("app.cli")


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


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()
    configure_logging(settings.log_level)
    embedded = None
    if settings.mongodb_url is None:
        # Started once here, not per worker: the workers inherit MONGODB_URL.
        embedded = EmbeddedDatabase(settings.data_dir / "db")
        os.environ["MONGODB_URL"] = embedded.start()
        log.warning(
            "Using the embedded development database (SecantusDB, data in %s, at %s). "
            "Set MONGODB_URL to use MongoDB instead.",
            embedded.storage_path,
            embedded.url,
        )
    try:
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_config=None,
            server_header=False,
        )
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Database]:
    embedded = None
    url = settings.mongodb_url
    if url is None:
        embedded = EmbeddedDatabase(settings.data_dir / "db")
        url = await asyncio.to_thread(embedded.start)
    client = create_client(settings, url)
    try:
        db = client[settings.mongodb_db]
        await ensure_indexes(db)
        yield db
    finally:
        await client.close()
        if embedded is not None:
            embedded.stop()


def create_admin(args: argparse.Namespace) -> int:
    from app.errors import FieldError
    from app.models.enums import Role
    from app.services.accounts import create_user

    password = args.password or getpass.getpass("Password for the new admin: ")
    if not 8 <= len(password) <= 128:
        print("The password must be 8 to 128 characters.", file=sys.stderr)
        return 2

    async def run() -> int:
        async with _database(load_settings()) as db:
            try:
                await create_user(
                    db, email=args.email, password=password, name=args.name, role=Role.ADMIN
                )
            except FieldError as exc:
                print(exc.message, file=sys.stderr)
                return 1
        print(f"Admin {args.email.lower()} created.")
        return 0

    return asyncio.run(run())


def seed_demo(args: argparse.Namespace) -> int:
    from app.services.demo import DEMO_PASSWORD
    from app.services.demo import seed_demo as fill

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
                db,
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
