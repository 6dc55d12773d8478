"""The HTTP/1.1 protocol `python -m app serve` runs: uvicorn's httptools protocol with a bound
on the request line and headers. uvicorn's httptools protocol has none: a 50 MB header would be
read whole before the app sees anything. Counting the bytes received before the headers end and
answering 431 once they pass MAX_HEADER_BYTES keeps the buffer to that bound plus one read.

It also says when the server starts shutting down (`SHUTTING_DOWN`): uvicorn waits for the
responses in flight before the app's own shutdown runs, so endless responses (event streams)
must learn it here to end at once."""

import json
import threading
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from app.core.config import Settings
from app.core.errors import error_body

SHUTTING_DOWN = threading.Event()  # one per process: each worker is one


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
