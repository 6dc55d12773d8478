"""`python -m app serve` as the tests run it: a real process with an environment of its own
(the embedded database under tmp_path, or the database its settings name), ready once
/api/ready/ answers, always stopped; or several such processes on one database."""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.core.embedded_db import free_port

START_BOUND = 60  # seconds: a bound on start-up, not a speed assertion
STOP_BOUND = 30  # seconds: SIGTERM to exit, a bound (the service's own is 10 + 15 s)
ADMIN = {"email": "boss@example.com", "password": "password123"}


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base: str
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text()


def _start(directory: Path, workers: int, settings: dict[str, str]) -> Served:
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"MONGODB_URL", "JWT_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD"}
        and not k.startswith(("RATE_LIMIT", "TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"))
    }
    env.update({"APP_ENV": "development", "DATA_DIR": str(directory / "data"), **settings})
    log_path = directory / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", str(workers)],
            env=env, cwd=directory, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return Served(process, f"http://127.0.0.1:{port}", log_path)


def _wait_ready(served: Served, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert served.process.poll() is None, served.log
        try:
            if httpx.get(f"{served.base}/api/ready/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"not ready within {START_BOUND} s:\n{served.log}")


def _stop(every: list[Served]) -> None:
    """SIGTERM to all at once, then a bounded wait for each (kill past it)."""
    running = [served.process for served in every if served.process.poll() is None]
    for process in running:
        process.terminate()
    for process in running:
        try:
            process.wait(timeout=STOP_BOUND)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def serving(directory: Path, *, workers: int = 1, **settings: str) -> Iterator[Served]:
    """`serve` in development with `settings` (environment variables) added; SIGTERM and a
    bounded wait at the end if the test has not stopped it itself."""
    with serving_together(directory, 1, workers=workers, **settings) as (served,):
        yield served


@contextlib.contextmanager
def serving_together(
    directory: Path, count: int, *, workers: int = 1, **settings: str
) -> Iterator[list[Served]]:
    """`count` instances of `serve` with the same `settings`, each in a directory of its own
    under `directory` (its own DATA_DIR and log): several instances of one service when the
    settings name one database (MONGODB_URL, MONGODB_DB) and one JWT_SECRET, as behind a
    load balancer. Started at once, yielded when every one is ready, stopped together."""
    every: list[Served] = []
    try:
        for n in range(count):
            every.append(_start(directory / str(n) if count > 1 else directory, workers, settings))
        deadline = time.monotonic() + START_BOUND
        for served in every:
            _wait_ready(served, deadline)
        yield every
    finally:
        _stop(every)


def admin_headers(base: str) -> dict[str, str]:
    """Serve with ADMIN_EMAIL/ADMIN_PASSWORD set to ADMIN's."""
    token = httpx.post(f"{base}/api/auth/login/", json=ADMIN, timeout=10).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


class SlowReceiver:
    """A webhook receiver on 127.0.0.1 that takes the connection and never answers: the
    delivery stays in flight until the deliverer gives up or is stopped."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.reached = threading.Event()
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return  # closed
            self._held.append(connection)
            self.reached.set()

    def close(self) -> None:
        self.sock.close()
        for connection in self._held:
            connection.close()


class OpenStream:
    """An event stream read in a thread until the server ends it; `outcome` says how."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.outcome: dict[str, object] = {}
        opened = threading.Event()

        def read() -> None:
            try:
                with httpx.stream(
                    "GET", f"{base}/api/events/stream/", headers=headers, timeout=STOP_BOUND
                ) as response:
                    self.outcome["status"] = response.status_code
                    opened.set()
                    for _ in response.iter_lines():
                        pass
                self.outcome["ended"] = "cleanly"
            except httpx.HTTPError as failed:
                self.outcome["ended"] = repr(failed)
            finally:
                opened.set()

        self.thread = threading.Thread(target=read, daemon=True)
        self.thread.start()
        assert opened.wait(timeout=10)

    def ended(self) -> dict[str, object]:
        self.thread.join(timeout=STOP_BOUND)
        return self.outcome


class EventReader:
    """Reads the SSE messages of an open /api/events/stream/ response (httpx, async); a read
    that waits more than `bound` seconds fails, naming the events read so far."""

    def __init__(self, response: httpx.Response, *, bound: float) -> None:
        self.lines: AsyncIterator[str] = response.aiter_lines()
        self.bound = bound
        self.read: list[dict[str, Any]] = []

    async def next_event(self) -> dict[str, Any]:
        """The next message that is an event (`id`, `event`, `data`), past comments and
        `retry:`."""
        message: dict[str, Any] = {}
        try:
            async with asyncio.timeout(self.bound):
                async for line in self.lines:
                    if line:
                        field, _, value = line.partition(":")
                        message.setdefault(field or "comment", value.strip())
                    elif "event" in message:
                        self.read.append(message)
                        return message
                    else:
                        message = {}
        except TimeoutError:
            ids = [event["id"] for event in self.read]
            raise AssertionError(f"no event within {self.bound} s; read before: {ids}") from None
        raise AssertionError("the stream ended")
