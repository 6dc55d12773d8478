"""Pure ASGI middleware: request id and access log, body size limit, trailing slashes.

Pure ASGI (not BaseHTTPMiddleware) so request bodies stream through untouched and an error
raised by the app reaches us as itself.
"""

import json
import logging
import re
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import error_body

log = logging.getLogger("app.request")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._\-]{1,128}")


async def _send_json_error(
    send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]]
) -> None:
    body = json.dumps(error_body(message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Accepts or makes an X-Request-ID, echoes it, logs one line per request, and turns an
    unhandled exception into a 500 in the reference's shape (the trace goes to the log only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        id_header = (b"x-request-id", request_id.encode())
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message["headers"] = [*message.get("headers", []), id_header]
            await send(message)

        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"request_id": request_id})
            if not started:
                await _send_json_error(send, 500, "Internal server error", [id_header])
            status = 500
        finally:
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                    "request_id": request_id,
                },
            )


class BodySizeLimitMiddleware:
    """Refuses bodies over ``max_bytes`` with 413 without reading them into memory: at once
    when Content-Length says so, else as soon as the streamed chunks pass the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_json_error(send, 413, "Request body too large", [(b"connection", b"close")])
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # FastAPI re-raises HTTPException from body reading; our handler shapes it.
                raise HTTPException(status_code=413)
            return message

        await self.app(scope, limited_receive, send)


class TrailingSlashMiddleware:
    """Every API path answers with and without its trailing slash, by rewriting the path
    before routing: no redirect, so no loop and no Authorization header lost on the way."""

    def __init__(self, app: ASGIApp, prefix: str = "/api") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(self.prefix) and not path.endswith("/"):
                scope = {**scope, "path": path + "/"}
                if raw := scope.get("raw_path"):
                    scope["raw_path"] = raw + b"/"
        await self.app(scope, receive, send)
