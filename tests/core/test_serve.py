"""Issue 2: `python -m app serve` (what `make run` calls) in development, with two workers."""

import contextlib
import socket
from pathlib import Path

import httpx
import psutil

from tests.core.serving import STOP_BOUND, OpenStream, serving


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


def customer_headers(base: str) -> dict[str, str]:
    user = {"email": "streamer@example.com", "password": "password123", "name": "S"}
    httpx.post(f"{base}/api/auth/register/", json=user, timeout=10)
    credentials = {"email": user["email"], "password": user["password"]}
    login = httpx.post(f"{base}/api/auth/login/", json=credentials, timeout=10)
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def test_two_workers_share_one_embedded_database(tmp_path: Path) -> None:
    with serving(tmp_path, workers=2, METRICS_ENABLED="true") as served:
        base, port = served.base, int(served.base.rsplit(":", 1)[1])
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
        tree = psutil.Process(served.process.pid).children(recursive=True)
        database_pids = [p.pid for p in tree if "secantus" in " ".join(p.cmdline())]
        assert len(database_pids) == 1
        stream = OpenStream(base, customer_headers(base))
        served.process.terminate()
        assert served.process.wait(timeout=STOP_BOUND) == 0
        log = served.log
    # The open event stream was ended by the server as it stopped: a complete response, not a
    # connection cut when the graceful-shutdown timeout ran out.
    assert stream.ended() == {"status": 200, "ended": "cleanly"}, stream.outcome
    assert "Using the embedded development database" in log
    assert log.count("Created the development admin") == 1  # two workers, one admin, one password
    assert not any(
        psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        for pid in database_pids
    )
