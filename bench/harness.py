"""What the soak and the benchmark share: a database (MONGODB_URL, or a SecantusDB server of
their own), the service started in production mode as `python -m app serve`, and readings
of the service's processes (CPU time, memory). Everything listens on 127.0.0.1 only."""

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from app.core.embedded_db import embedded_database, free_port

ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-admin-password"


@dataclass
class Database:
    url: str
    name: str
    description: str
    pid: int | None = None  # the embedded server's process, to read its CPU time

    def cpu_seconds(self) -> float | None:
        if self.pid is None:
            return None
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)


@contextlib.contextmanager
def database(db_name: str) -> Iterator[Database]:
    if url := os.environ.get("MONGODB_URL"):
        yield Database(url, db_name, "MongoDB from MONGODB_URL")
        return
    with (
        tempfile.TemporaryDirectory(prefix="support-bench-") as tmp,
        embedded_database(Path(tmp), quiet=True) as server,
    ):
        import importlib.metadata

        version = importlib.metadata.version("secantusdb")
        pid = server.process.pid if server.process else None
        yield Database(server.url, db_name, f"SecantusDB {version} (its own process)", pid)


async def pending_events(db: Database) -> int:
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(db.url)
    try:
        return await client[db.name].events.count_documents({"pending": True})
    finally:
        await client.close()


async def until_numbered(db: Database, within: float = 900) -> None:
    """Until the sequencer has numbered every event written so far (the seed's): a backlog
    being numbered while a scenario runs would be measured as that scenario's cost."""
    deadline = time.monotonic() + within
    while left := await pending_events(db):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{left} events still pending after {within} s: see the service log")
        await asyncio.sleep(0.5)


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    base_url: str
    env: dict[str, str]

    def processes(self) -> list[psutil.Process]:
        """The serve process and its workers (uvicorn forks them with --workers > 1); not the
        embedded database, which runs in its own process outside this tree."""
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def rss_mib(self) -> list[float]:
        """Resident memory of each process that serves requests (the workers, or the single
        process when there are none)."""
        procs = self.processes()
        workers = procs[1:] or procs
        sizes = []
        for proc in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                sizes.append(proc.memory_info().rss / 2**20)
        return sizes


def service_env(db: Database, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "production",
        "MONGODB_URL": db.url,
        "MONGODB_DB": db.name,
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LOG_LEVEL": "INFO",
        # The load generators are a few users on one address: per-user and per-address request
        # limits would refuse most of a benchmark, which measures the work.
        "RATE_LIMIT_PER_USER": "100000000",
        "RATE_LIMIT_PER_ADDRESS": "100000000",
        **extra,
    }


@contextlib.contextmanager
def _served(
    command: list[str], env: dict[str, str], log_path: Path, ready: str
) -> Iterator[Service]:
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    handle = Service(process, f"http://127.0.0.1:{port}", env)
    try:
        wait_ready(handle, path=ready)
        yield handle
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def service(
    env: dict[str, str], *, workers: int, log_path: Path
) -> contextlib.AbstractContextManager[Service]:
    command = [sys.executable, "-m", "app", "serve", "--workers", str(workers)]
    return _served(command, env, log_path, "/api/ready/")


def floor_service(
    env: dict[str, str], *, workers: int, log_path: Path
) -> contextlib.AbstractContextManager[Service]:
    """bench/floor.py, served as the service is (uvicorn, httptools, uvloop, same workers)."""
    command = [sys.executable, "-m", "uvicorn", "bench.floor:app", "--workers", str(workers),
               "--http", "httptools", "--loop", "uvloop", "--no-access-log",
               "--log-level", "warning"]  # fmt: skip
    return _served(command, env, log_path, "/floor/1")


def wait_ready(handle: Service, timeout: float = 60, path: str = "/api/ready/") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if handle.process.poll() is not None:
            raise RuntimeError(f"the service exited with {handle.process.returncode}; see its log")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{handle.base_url}{path}", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("the service did not become ready")


def seed(env: dict[str, str], *, customers: int, agents: int, tickets: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "app", "seed-demo", "--customers", str(customers),
         "--agents", str(agents), "--tickets", str(tickets)],
        env=env, check=True,
    )  # fmt: skip
