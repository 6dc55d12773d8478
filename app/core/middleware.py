"""Pure ASGI middleware: request context and access log, security headers, HEAD, body size
limit, trailing slashes, and CORS whose refusals have the reference's error shape.

Pure ASGI (not BaseHTTPMiddleware) so request bodies stream through untouched and an error
raised by the app reaches us as itself.
"""

import hashlib
import logging
import re
import time
import uuid
from base64 import b64encode
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.asgi import send_json
from app.core.errors import error_body
from app.core.log import request_context

log = logging.getLogger("app.request")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._\-]{1,128}")


async def _send_json_error(
    send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]]
) -> None:
    await send_json(send, status, error_body(message, status=status), headers)


Networks = Sequence[IPv4Network | IPv6Network]


def _is_trusted(address: str, trusted: Networks) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def client_address(scope: Scope, trusted: Networks) -> str:
    """The client's address. X-Forwarded-For is believed only when the peer is a trusted
    proxy, and then read from the right, skipping our own proxies."""
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    forwarded = Headers(scope=scope).get("x-forwarded-for")
    if not forwarded or not _is_trusted(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _is_trusted(hop, trusted):
            return hop
    return peer


class RequestContextMiddleware:
    """Accepts or makes an X-Request-ID and echoes it; works out the client's address; keeps
    both (and later the caller) in the log context of everything the request logs; logs one
    line per request; and turns an unhandled exception into a 500 in the reference's shape
    (the trace goes to the log only)."""

    def __init__(self, app: ASGIApp, trusted_proxies: Networks = ()) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        client = client_address(scope, self.trusted_proxies)
        state = scope.setdefault("state", {})
        state["request_id"], state["client_address"] = request_id, client
        context_token = request_context.set({"request_id": request_id, "client": client})
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
            log.exception("unhandled error")
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
                },
            )
            request_context.reset(context_token)


# API answers are JSON, never a page: nothing may load or frame them.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# The documentation pages load Swagger UI and ReDoc from this server (app/core/docs.py), no
# other host; inline scripts are allowed by their hash, computed from the page itself.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


class SecurityHeadersMiddleware:
    """`X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` on every answer;
    `Cache-Control: no-store` on API answers (they carry tokens and personal data) unless the
    route chose its own; a Content-Security-Policy (restrictive on the docs pages)."""

    def __init__(self, app: ASGIApp, *, api_prefix: str, docs_paths: Sequence[str]) -> None:
        self.app = app
        self.api_prefix = api_prefix
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path in self.docs_paths:
            await self._docs_page(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._headers(message, path.startswith(self.api_prefix))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers(self, start: Message, api: bool, csp: str = API_CSP) -> list[tuple[bytes, bytes]]:
        headers = list(start.get("headers", []))
        present = {name.lower() for name, _ in headers}
        wanted = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"content-security-policy", csp.encode()),
        ]
        if api:
            wanted.append((b"cache-control", b"no-store"))
        return headers + [(name, value) for name, value in wanted if name not in present]

    async def _docs_page(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A small HTML page, held back until its inline scripts are hashed into the CSP."""
        messages: list[Message] = []

        async def hold(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, hold)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        hashes = " ".join(
            f"'sha256-{b64encode(hashlib.sha256(script).digest()).decode()}'"
            for script in _INLINE_SCRIPT.findall(body)
        )
        for message in messages:
            if message["type"] == "http.response.start":
                message["headers"] = self._headers(message, False, DOCS_CSP.format(hashes=hashes))
            await send(message)


class HeadAsGetMiddleware:
    """HEAD answers for every GET route: the route runs as GET and its body is dropped (its
    Content-Length stays, as HEAD requires)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


class JsonCorsMiddleware(CORSMiddleware):
    """Starlette's CORS, but a refused preflight answers in the reference's error shape."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        return JSONResponse(error_body(bytes(response.body).decode()), status_code=400)


class BodySizeLimitMiddleware:
    """Refuses bodies over ``max_bytes`` with 413 without reading them into memory: at once
    when Content-Length says so, else as soon as the streamed chunks pass the limit. Some
    POSTs (`large_bodies`: path pattern -> bytes; uploads, inbound mail) have their own,
    larger limit."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, large_bodies: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.large_bodies = [(re.compile(p), n) for p, n in (large_bodies or {}).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.max_bytes
        if scope["method"] == "POST":
            for path, limit in self.large_bodies:
                if path.match(scope["path"]):
                    max_bytes = limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await _send_json_error(send, 413, "Request body too large", [(b"connection", b"close")])
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > max_bytes:
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
