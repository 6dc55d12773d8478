"""Issue 2: `python -m app serve` (what `make run` calls) in development, with two workers."""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

from app.core.embedded_db import free_port


def send_oversized_headers(port: int, *, header_bytes: int) -> tuple[bytes, int]:
    """Streams a request whose Authorization header is `header_bytes` long; returns the status
    line the server answered and how many bytes it took before closing."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /api/auth/me/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ")
        chunk = b"a" * 65536
        try:
            while sent < header_bytes:
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the server closed the connection: the point
        answer = b""
        with contextlib.suppress(OSError):
            answer = sock.recv(4096)
    return answer.split(b"\r\n", 1)[0], sent


class OpenStream:
    def __init__(self) -> None:
        self.outcome: dict[str, object] = {}
        self.opened = threading.Event()
        self.thread = threading.Thread(target=lambda: None)


def open_event_stream(base: str) -> OpenStream:
    """A customer's event stream, read in a thread until the server ends it."""
    user = {"email": "streamer@example.com", "password": "password123", "name": "S"}
    httpx.post(f"{base}/api/auth/register/", json=user, timeout=10)
    credentials = {"email": user["email"], "password": user["password"]}
    login = httpx.post(f"{base}/api/auth/login/", json=credentials, timeout=10)
    token = login.json()["access_token"]
    stream = OpenStream()

    def read() -> None:
        try:
            with httpx.stream(
                "GET",
                f"{base}/api/events/stream/",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ) as response:
                stream.outcome["status"] = response.status_code
                stream.opened.set()
                for _ in response.iter_lines():
                    pass
            stream.outcome["ended"] = "cleanly"
        except httpx.HTTPError as failed:
            stream.outcome["ended"] = repr(failed)
        finally:
            stream.opened.set()

    stream.thread = threading.Thread(target=read, daemon=True)
    stream.thread.start()
    assert stream.opened.wait(timeout=10)
    return stream


def test_two_workers_share_one_embedded_database(tmp_path: Path) -> None:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"MONGODB_URL", "JWT_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD"}
    }
    env.update(
        {"APP_ENV": "development", "DATA_DIR": str(tmp_path / "data"), "METRICS_ENABLED": "true"}
    )
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "2"],
            env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    database_pids: list[int] = []
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60  # a bound on start-up, not a speed assertion
        while time.monotonic() < deadline:
            assert server.poll() is None, log_path.read_text()
            try:
                if httpx.get(f"{base}/api/ready/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("not ready within 60 s:\n" + log_path.read_text())
        for _ in range(10):  # requests land on both workers; all reach the same database
            assert httpx.get(f"{base}/api/support/faq/?category=Late", timeout=5).json()["faqs"]
        # /metrics counts the requests of both workers (prometheus-client's multiprocess mode)
        scraped = httpx.get(f"{base}/metrics", timeout=5).text
        faq = 'http_requests_total{method="GET",route="/api/support/faq/",status="200"} 10.0'
        assert faq in scraped, scraped[:2000]
        assert 'db_command_duration_seconds_count{command="find"}' in scraped
        # Headers past MAX_HEADER_BYTES (16 KiB) are refused while arriving, not read whole.
        status, sent = send_oversized_headers(port, header_bytes=50 * 1024 * 1024)
        assert status.startswith(b"HTTP/1.1 431"), status
        assert sent < 10 * 1024 * 1024  # the server closed long before the 50 MB were sent
        ok = httpx.get(f"{base}/api/health/", headers={"X-Pad": "x" * 8000}, timeout=5)
        assert ok.status_code == 200
        tree = psutil.Process(server.pid).children(recursive=True)
        database_pids = [p.pid for p in tree if "secantus" in " ".join(p.cmdline())]
        assert len(database_pids) == 1
        stream = open_event_stream(base)
    finally:
        server.terminate()
        server.wait(timeout=30)
    # The open event stream was ended by the server as it stopped: a complete response, not a
    # connection cut when the graceful-shutdown timeout ran out.
    stream.thread.join(timeout=30)
    assert stream.outcome == {"status": 200, "ended": "cleanly"}, stream.outcome
    log = log_path.read_text()
    assert "Using the embedded development database" in log
    assert log.count("Created the development admin") == 1  # two workers, one admin, one password
    assert not any(
        psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        for pid in database_pids
    )
