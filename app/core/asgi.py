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


def verified_caller(scope: Scope) -> str | None:
    """Who sends a request, for the middlewares that count or remember per caller:
    `user:<id>` for a valid bearer token, `address:<client>` without one, None for a token
    that is not valid (the request will be refused as it is). Verified tokens are remembered
    (security.decode_token), so a second look costs no signature check."""
    for name, value in scope["headers"]:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            settings = scope["app"].state.settings
            try:
                claims = decode_token(settings.jwt_key, value[7:].decode().strip(), "access")
            except (AppError, UnicodeDecodeError):
                return None
            return f"user:{claims['sub']}"
    state: dict[str, Any] = scope.get("state") or {}
    return f"address:{state.get('client_address', '?')}"
