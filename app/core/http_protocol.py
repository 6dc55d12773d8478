"""The HTTP/1.1 protocol `python -m app serve` runs: uvicorn's httptools protocol with a bound
on the request line and headers. uvicorn's httptools protocol has none: a 50 MB header would be
read whole before the app sees anything. Counting the bytes received before the headers end and
answering 431 once they pass MAX_HEADER_BYTES keeps the buffer to that bound plus one read.

It also says when the server starts shutting down (`SHUTTING_DOWN`): uvicorn waits for the
responses in flight before the app's own shutdown runs, so endless responses (event streams)
must learn it here to end at once.

A stop is bounded: requests in flight get GRACE_SECONDS (uvicorn's timeout_graceful_shutdown,
after which they are cut), then the app's own shutdown and the process's exit get STOP_SECONDS
(`BoundedShutdown`), after which the process exits at once with status 1."""

import json
import logging
import os
import threading
import time
from functools import cache
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from app.core.config import Settings
from app.core.errors import error_body

SHUTTING_DOWN = threading.Event()  # one per process: each worker is one
GRACE_SECONDS = 10
STOP_SECONDS = 15

log = logging.getLogger("app.server")


@cache
def _max_header_bytes() -> int:
    # Read in each worker process from the same environment `serve` validated.
    return Settings().max_header_bytes


class LimitedHeadersProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_header_bytes = _max_header_bytes()
        self._reading_headers = True
        self._header_bytes = 0

    def data_received(self, data: bytes) -> None:
        if self._reading_headers:
            self._header_bytes += len(data)
        super().data_received(data)
        if (
            self._reading_headers
            and self._header_bytes > self.max_header_bytes
            and not self.transport.is_closing()
        ):
            self._refuse_headers()

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_headers, self._header_bytes = True, 0

    def shutdown(self) -> None:
        SHUTTING_DOWN.set()
        super().shutdown()

    def _refuse_headers(self) -> None:
        body = json.dumps(error_body("Request headers too large", status=431)).encode()
        self.transport.write(
            b"".join(
                [
                    STATUS_LINE[431],
                    b"content-type: application/json\r\n",
                    b"content-length: " + str(len(body)).encode() + b"\r\n",
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
        )
        self.transport.close()


class BoundedShutdown:
    """The app as `serve` runs it. Once uvicorn asks it to shut down, the process has
    STOP_SECONDS to be gone; else it says so and exits at once with status 1. Whatever the
    shutdown waits for (a task that swallowed its cancellation, the database, a thread joined
    at exit), it cannot keep the process running: the workers' supervisor waits for each
    worker without a bound. The embedded database, if any, still stops: it dies with its parent.
    """

    def __init__(self, app: ASGIApp, *, stop_seconds: float = STOP_SECONDS) -> None:
        self.app = app
        self.stop_seconds = stop_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def receive_watched() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                threading.Thread(
                    target=_exit_late, args=(self.stop_seconds,), name="stop-watchdog", daemon=True
                ).start()
            return message

        await self.app(scope, receive_watched, send)


def _exit_late(seconds: float) -> None:
    time.sleep(seconds)
    log.error("shutdown still not finished after %s s: exiting now", seconds)
    logging.shutdown()
    os._exit(1)
