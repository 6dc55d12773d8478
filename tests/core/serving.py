"""`python -m app serve` as the tests run it: a real process with an environment of its own
(the embedded database under tmp_path), ready once /api/ready/ answers, always stopped."""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


@contextlib.contextmanager
def serving(directory: Path, *, workers: int = 1, **settings: str) -> Iterator[Served]:
    """`serve` in development with `settings` (environment variables) added; SIGTERM and a
    bounded wait at the end if the test has not stopped it itself."""
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
    served = Served(process, f"http://127.0.0.1:{port}", log_path)
    try:
        deadline = time.monotonic() + START_BOUND
        while time.monotonic() < deadline:
            assert process.poll() is None, served.log
            try:
                if httpx.get(f"{served.base}/api/ready/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"not ready within {START_BOUND} s:\n{served.log}")
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_BOUND)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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
