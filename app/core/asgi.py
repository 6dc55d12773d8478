"""Small pieces the ASGI middlewares share: a JSON answer sent without the app, and who the
caller is (for limits and idempotency keys) before any dependency has run."""

import json
from collections.abc import Sequence
from typing import Any

from starlette.types import Scope, Send

from app.core.errors import AppError
from app.core.security import decode_token


async def send_json(
    send: Send, status: int, content: object, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """A JSON answer from an ASGI middleware (before or instead of the app)."""
    body = json.dumps(content).encode()
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


def bearer_token(scope: Scope) -> str | None:
    """The request's bearer token, as sent (not verified)."""
    for name, value in scope["headers"]:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            token: str = value[7:].decode("latin-1").strip()
            return token
    return None


def verified_caller(scope: Scope) -> str | None:
    """Who sends a request, for the middlewares that count or remember per caller:
    `user:<id>` for a valid bearer token, `address:<client>` without one, None for a token
    that is not valid (the request will be refused as it is). Verified tokens are remembered
    (security.decode_token), so a second look costs no signature check."""
    token = bearer_token(scope)
    if token is not None:
        settings = scope["app"].state.settings
        try:
            claims = decode_token(settings.jwt_key, token, "access")
        except AppError:
            return None
        return f"user:{claims['sub']}"
    state: dict[str, Any] = scope.get("state") or {}
    return f"address:{state.get('client_address', '?')}"
