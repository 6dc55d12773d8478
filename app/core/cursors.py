"""Cursors are opaque to clients: a list's position, base64url without padding."""

import base64
import binascii

from app.core.errors import FieldError


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def invalid_cursor() -> FieldError:
    return FieldError("cursor", "Invalid cursor.")


def decode_cursor(cursor: str) -> str:
    try:
        position = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_cursor() from None
    if not position or not position.isprintable():
        raise invalid_cursor()
    return position
