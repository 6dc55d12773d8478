"""Issue 20, item 10: `python -m app serve` stops on SIGTERM, every time, within a bound:
open event streams end, the webhook deliverer (a delivery in flight) and the SLA sweeper stop,
the embedded database stops, and the exit status is 0."""

import contextlib
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from app.core.embedded_db import free_port
from tests.core.serving import ADMIN, STOP_BOUND, OpenStream, SlowReceiver, admin_headers, serving

ROUNDS = 5


class TestStopUnderLoad:
    def test_sigterm_ends_everything_and_exits_0_every_time(self, tmp_path: Path) -> None:
        for round_ in range(ROUNDS):
            receiver = SlowReceiver()
            settings = {
                "ADMIN_EMAIL": ADMIN["email"],
                "ADMIN_PASSWORD": ADMIN["password"],
                "WEBHOOK_ALLOW_PRIVATE": "true",
                "WEBHOOK_TIMEOUT_SECONDS": "60",  # the delivery outlasts the whole stop
                "WEBHOOK_POLL_SECONDS": "0.2",
            }
            try:
                with serving(tmp_path / str(round_), **settings) as served:
                    headers = admin_headers(served.base)
                    created = httpx.post(
                        f"{served.base}/api/admin/webhooks/",
                        json={"url": receiver.url},
                        headers=headers,
                        timeout=10,
                    )
                    webhook_id = created.json()["webhook"]["id"]
                    test = f"{served.base}/api/admin/webhooks/{webhook_id}/test/"
                    assert httpx.post(test, headers=headers, timeout=10).status_code == 200
                    streams = [OpenStream(served.base, headers) for _ in range(2)]
                    assert receiver.reached.wait(timeout=10), served.log  # delivery in flight
                    tree = psutil.Process(served.process.pid).children(recursive=True)
                    database = [p for p in tree if "secantus" in " ".join(p.cmdline())]
                    assert len(database) == 1

                    served.process.send_signal(signal.SIGTERM)
                    status = served.process.wait(timeout=STOP_BOUND)

                    assert status == 0, f"round {round_}: exit status {status}\n{served.log}"
                    for stream in streams:  # a complete response, not a connection cut
                        assert stream.ended() == {"status": 200, "ended": "cleanly"}, served.log
                    assert "timeout graceful shutdown exceeded" not in served.log
                    assert not database[0].is_running() or (
                        database[0].status() == psutil.STATUS_ZOMBIE
                    )
            finally:
                receiver.close()


HANGING_APP = """
import asyncio, sys, uvicorn
from app.core.http_protocol import BoundedShutdown

async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await asyncio.Event().wait()  # a shutdown that never ends

uvicorn.run(BoundedShutdown(app, stop_seconds=1), port=int(sys.argv[1]), lifespan="on")
"""


class TestStopBound:
    def test_a_shutdown_that_never_ends_is_cut_after_the_bound(self, tmp_path: Path) -> None:
        port = free_port()
        log_path = tmp_path / "hanging.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", HANGING_APP, str(port)], stdout=log, stderr=subprocess.STDOUT
            )
        try:
            deadline = time.monotonic() + 30  # a bound on start-up
            while time.monotonic() < deadline:
                assert process.poll() is None, log_path.read_text()
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                time.sleep(0.1)
            process.send_signal(signal.SIGTERM)
            status = process.wait(timeout=STOP_BOUND)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert status == 1
        assert "shutdown still not finished after 1 s: exiting now" in log_path.read_text()
