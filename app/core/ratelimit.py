"""Request rate limits for everyone: per user on authenticated requests (the verified subject of
the bearer token), per client address on the others, in fixed one-minute windows counted in
this process: no database round trip per request, so the limit holds per worker (the README
says so); the login throttles stay shared (auth/throttling.py). Every answer carries the IETF
httpapi draft's `RateLimit-Policy` and `RateLimit` headers; beyond the limit, 429 with
`Retry-After` and code `rate_limited`."""

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.asgi import send_json, verified_caller
from app.core.clock import utcnow
from app.core.errors import error_body

WINDOW_SECONDS = 60
UNLIMITED = ("/api/health/", "/api/ready/", "/metrics")


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, per_user: int, per_address: int, api_prefix: str) -> None:
        self.app = app
        self.per_user = per_user
        self.per_address = per_address
        self.api_prefix = api_prefix
        self.window = -1
        self.counts: dict[str, int] = {}

    def _caller(self, scope: Scope) -> tuple[str, int, str]:
        caller = verified_caller(scope)
        if caller is not None and caller.startswith("user:"):
            return caller, self.per_user, "user"
        state: dict[str, Any] = scope.get("state") or {}  # no token, or not a valid one
        return f"address:{state.get('client_address', '?')}", self.per_address, "address"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.api_prefix) or path in UNLIMITED:
            await self.app(scope, receive, send)
            return
        moment = utcnow().timestamp()
        window = int(moment // WINDOW_SECONDS)
        if window != self.window:
            self.window, self.counts = window, {}
        key, limit, policy = self._caller(scope)
        used = self.counts.get(key, 0) + 1
        self.counts[key] = used
        reset = max(1, int((window + 1) * WINDOW_SECONDS - moment + 0.999))
        headers = [
            (b"ratelimit-policy", f'"{policy}";q={limit};w={WINDOW_SECONDS}'.encode()),
            (b"ratelimit", f'"{policy}";r={max(0, limit - used)};t={reset}'.encode()),
        ]
        if used > limit:
            body = error_body("Too many requests; try again later", "rate_limited")
            await send_json(send, 429, body, [(b"retry-after", str(reset).encode()), *headers])
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, with_headers)
