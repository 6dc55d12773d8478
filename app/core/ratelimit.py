"""Request rate limits for everyone: per user on authenticated requests (the verified subject of
the bearer token), per client address on the others, counted in MongoDB (`rate_limits`) on
the database server's clock, so a limit holds across every worker and instance. The login
throttles are their own (auth/throttling.py). Every answer carries the IETF httpapi draft's
`RateLimit-Policy` and `RateLimit` headers; beyond the limit, 429 with `Retry-After` and code
`rate_limited`.

The count is GCRA (the generic cell rate algorithm): a key keeps one time, its "theoretical
arrival time" (TAT); each request moves it on by one period (window / limit) from the later of
itself and now, and is let in while it stays within a window of now. A full budget of `limit`
requests at once, refilling one request per period. One atomic update per request decides:
a refused request leaves the key as it was, so the update's modified count is the answer, and
simultaneous requests each get their own. The headers come from the key as read just after
(with other requests counted meanwhile, the budget left at the answer). A key with nothing to
remember (a window past its TAT) is removed by a TTL index.
"""

import math
import time
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import ConnectionFailure
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.asgi import send_json, verified_caller
from app.core.db import Database, Document, update_one_or_create
from app.core.errors import DB_RETRY_AFTER_SECONDS, error_body

WINDOW_SECONDS = 60
UNLIMITED = ("/api/health/", "/api/ready/", "/metrics")
SERVER_NOW = "$$NOW"
# Periods are fractions of a millisecond apart from exact: a millisecond of slack keeps the
# `limit`-th request of a burst in, and is far below one period.
SLACK_MS = 1
INDEXES = {"rate_limits": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]}


def gcra(now: Any, *, limit: int, window_ms: int) -> list[Document]:
    """The update pipeline of one request: moves the TAT on when the request is let in, and
    changes nothing when it is not. `now` is a date expression: `$$NOW`, the server's clock
    (tests give a date). Times are compared as milliseconds (`$toLong`), as `SERVER_NOW_MS`
    (app/core/db.py) says why."""
    moved = {"$add": ["$_start", window_ms / limit]}
    allowed = {"$lte": [{"$subtract": [moved, "$_now"]}, window_ms + SLACK_MS]}
    return [
        {"$set": {"_now": {"$toLong": now}}},
        {"$set": {"_start": {"$max": [{"$ifNull": ["$tat", "$_now"]}, "$_now"]}}},
        {"$set": {"tat": {"$cond": [allowed, moved, "$tat"]}}},
        # Kept a window past its TAT: a busy key is rewritten, never removed and recreated.
        {"$set": {"expires_at": {"$toDate": {"$add": ["$tat", window_ms]}}}},
        {"$unset": ["_now", "_start"]},
    ]


async def spend(
    collection: AsyncCollection[Document], key: str, *, limit: int, window_ms: int, now: Any
) -> tuple[bool, float | None]:
    """(let in, the key's TAT in ms as read just after) for one request of `key`, whose
    document is created bare first when missing: an update and a read by `_id`, not a
    `findAndModify` (tests/system/test_architecture.py says why)."""
    pipeline = gcra(now, limit=limit, window_ms=window_ms)
    counted = await update_one_or_create(collection, key, pipeline)
    if counted is None:  # removed by its TTL in between: counted as a free request
        return True, None
    state = await collection.find_one({"_id": key}, {"tat": 1})
    return bool(counted.modified_count), (state or {}).get("tat")


def _milliseconds(now: Any) -> float:
    """`now` as milliseconds: a given date, or this process's clock for `$$NOW` (the headers'
    arithmetic only; the server's clock decides)."""
    return now.timestamp() * 1000 if isinstance(now, datetime) else time.time() * 1000


async def count_request(
    db: Database, key: str, *, limit: int, now: Any = SERVER_NOW
) -> tuple[bool, int, int, int]:
    """(let in, requests left, seconds until the full budget is back, seconds until the next
    request is let in) for one request of `key`."""
    window_ms = WINDOW_SECONDS * 1000
    allowed, tat = await spend(db.rate_limits, key, limit=limit, window_ms=window_ms, now=now)
    if tat is None:  # removed by its TTL in between: counted as a free request
        return True, limit - 1, 1, 1
    ahead = max(0.0, tat - _milliseconds(now))  # ms the key is ahead of now
    period = window_ms / limit
    left = max(0, math.floor((window_ms + SLACK_MS - ahead) / period))
    reset = max(1, math.ceil(ahead / 1000))
    retry = max(1, math.ceil((ahead + period - window_ms) / 1000))
    return allowed, left, reset, retry


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, per_user: int, per_address: int, api_prefix: str) -> None:
        self.app = app
        self.per_user = per_user
        self.per_address = per_address
        self.api_prefix = api_prefix

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
        key, limit, policy = self._caller(scope)
        if limit == 0:  # this kind of caller is not limited
            await self.app(scope, receive, send)
            return
        try:
            allowed, left, reset, retry = await count_request(
                scope["app"].state.db, key, limit=limit
            )
        except ConnectionFailure:  # the database away: as every endpoint answers then
            body = error_body("Service temporarily unavailable", status=503)
            retry_after = (b"retry-after", str(DB_RETRY_AFTER_SECONDS).encode())
            await send_json(send, 503, body, [retry_after])
            return
        headers = [
            (b"ratelimit-policy", f'"{policy}";q={limit};w={WINDOW_SECONDS}'.encode()),
            (b"ratelimit", f'"{policy}";r={left};t={reset}'.encode()),
        ]
        if not allowed:
            body = error_body("Too many requests; try again later", "rate_limited")
            await send_json(send, 429, body, [(b"retry-after", str(retry).encode()), *headers])
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, with_headers)
