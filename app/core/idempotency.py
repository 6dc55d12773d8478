"""Idempotent POSTs: a client that sends `Idempotency-Key` may retry a request that creates
something (a ticket, a reply, a note, feedback, an attachment, a registration) without
creating it twice. Within 24 hours the same key and body from the same caller replay the
stored answer (`Idempotent-Replayed: true`) without a second write; the same key with another
body is 422 (`idempotency_key_reused`); a retry while the first is still running is 409
(`idempotency_key_in_flight`). Keys are kept in MongoDB (`idempotency_keys`, TTL), scoped per
caller: the verified user of the bearer token, else the client's address (sign-ups). A claim
lives IN_FLIGHT on the database server's clock: a request that died is taken over after it,
by exactly one retry (the takeover is conditional on the claim it replaces). A stored
answer is only given to a caller the endpoint itself would let in now: a bearer token is
authenticated in full (its login not ended, its user active) before anything stored is used.

Three database round trips per keyed request (claim, read the claim, then store the
answer), and a retry's caller check; none without a key.
Answers of 500 and above are not stored: the retry runs again.
"""

import hashlib
from typing import Any, Protocol

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.asgi import bearer_token, send_json, verified_caller
from app.core.config import Settings
from app.core.db import Database, Document, update_one_or_create
from app.core.errors import AppError, error_body

HEADER = b"idempotency-key"
KEPT_MS = 24 * 3600 * 1000
IN_FLIGHT_MS = 60 * 1000  # a claim whose request died is taken over after this
MAX_KEY_LENGTH = 255
# Sign-in and token endpoints create sessions, not resources: replaying tokens is not wanted.
NOT_KEYED = ("/api/auth/login/", "/api/auth/refresh/", "/api/auth/logout/")
INDEXES = {"idempotency_keys": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]}


def _claim_pipeline(claim_id: ObjectId, fingerprint: str) -> list[Document]:
    """Claims the key when it is free: never claimed, or claimed by a request that died
    (still in flight past its lease, on the server's clock); else leaves it as it is.
    Milliseconds are compared, as `SERVER_NOW_MS` (app/core/db.py) says why."""
    died = {
        "$and": [
            {"$eq": ["$state", "in_flight"]},
            {"$lte": [{"$toLong": "$lease_until"}, {"$toLong": "$$NOW"}]},
        ]
    }
    free = {"$or": [{"$eq": [{"$type": "$state"}, "missing"]}, died]}
    ours = {
        "claim": {"$literal": claim_id},
        "fingerprint": {"$literal": fingerprint},
        "state": "in_flight",
        "lease_until": {"$add": ["$$NOW", IN_FLIGHT_MS]},
        "expires_at": {"$add": ["$$NOW", KEPT_MS]},
    }
    return [
        {"$set": {"free": free}},
        {"$set": {name: {"$cond": ["$free", value, f"${name}"]} for name, value in ours.items()}},
        {"$unset": "free"},
    ]


async def _claim(db: Database, record_id: str, claim_id: ObjectId, fingerprint: str) -> Document:
    """The key's record after trying to claim it for this request: its `claim` is `claim_id`
    when this request won it. One conditional write by `_id`, so of simultaneous retries, or
    takeovers of a dead request's claim on several instances, exactly one wins; then a read
    by `_id` (not a `findAndModify`: tests/system/test_architecture.py says why)."""
    claimed = await update_one_or_create(
        db.idempotency_keys, record_id, _claim_pipeline(claim_id, fingerprint)
    )
    stored = await db.idempotency_keys.find_one({"_id": record_id}) if claimed else None
    if stored is None:  # expired, or its request failed, and removed in between: claim again
        return await _claim(db, record_id, claim_id, fingerprint)
    return dict(stored)


class Authenticate(Protocol):
    """The caller of a bearer token as every endpoint loads it; raises the AppError that
    refuses it."""

    async def __call__(self, *, db: Database, settings: Settings, token: str) -> object: ...


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, authenticate: Authenticate) -> None:
        self.app = app
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] in NOT_KEYED:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            await send_json(send, 400, {"Idempotency-Key": ["Give 1 to 255 characters."]})
            return
        caller = verified_caller(scope)
        if caller is None:  # a token that is not valid: refused as it is, nothing to remember
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:  # the body, to fingerprint it (the size limits ran before this)
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        fingerprint = hashlib.sha256(scope["path"].encode() + b"\0" + body).hexdigest()
        record_id = hashlib.sha256(f"{caller}\0".encode() + key).hexdigest()
        db = scope["app"].state.db
        claim_id = ObjectId()
        stored = await _claim(db, record_id, claim_id, fingerprint)
        if stored.get("claim") != claim_id:
            if await self._refused(scope, db, send):
                return
            if stored["fingerprint"] != fingerprint:
                text = "This Idempotency-Key was used with another request"
                await send_json(send, 422, error_body(text, "idempotency_key_reused"))
                return
            if stored["state"] == "in_flight":
                text = "A request with this Idempotency-Key is still being processed"
                await send_json(send, 409, error_body(text, "idempotency_key_in_flight"))
                return
            await self._replay(stored, send)
            return
        await self._run_and_store(scope, body, send, db, {"_id": record_id, "claim": claim_id})

    async def _refused(self, scope: Scope, db: Database, send: Send) -> bool:
        """Answers (401, or 403 for an unknown role) a bearer token the endpoint would
        refuse: what was stored for the caller is not for a logged-out token. A caller's role
        never changes, so the stored answer was given to the role the caller still has."""
        token = bearer_token(scope)
        if token is None:
            return False
        try:
            await self.authenticate(db=db, settings=scope["app"].state.settings, token=token)
        except AppError as refusal:
            headers = [(k.lower().encode(), v.encode()) for k, v in refusal.headers.items()]
            await send_json(send, refusal.status_code, refusal.body(), headers)
            return True
        return False

    async def _run_and_store(
        self, scope: Scope, body: bytes, send: Send, db: Any, held: Document
    ) -> None:
        """Runs the request and stores its answer, while the claim `held` is still this
        request's: one taken over after IN_FLIGHT is the new holder's to answer."""
        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        parts: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        finally:
            if status >= 500:
                await db.idempotency_keys.delete_one(held)
            else:
                kept = [
                    (k, v)
                    for k, v in response_headers
                    if k.lower() in (b"content-type", b"etag", b"location")
                ]
                await db.idempotency_keys.update_one(
                    held,
                    {"$set": {"state": "done", "status": status, "body": b"".join(parts),
                              "headers": [[k.decode(), v.decode()] for k, v in kept]}},
                )  # fmt: skip

    async def _replay(self, stored: dict[str, Any], send: Send) -> None:
        body: bytes = stored["body"]
        headers = [(k.encode(), v.encode()) for k, v in stored["headers"]]
        headers += [(b"idempotent-replayed", b"true"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": stored["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body})
