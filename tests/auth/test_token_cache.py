"""A verified token is remembered (one request checks it twice; a front end reuses it), but
its expiry is checked on every use, and a forged one is never remembered."""

from datetime import timedelta

import pytest

import app.core.security as security
from app.core.errors import NotAuthenticated
from app.core.security import decode_token, encode_token

KEY = "k" * 48
FIVE = timedelta(minutes=5)


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    issued = encode_token(
        KEY, user_id="u1", role="user", token_type="access", ttl=FIVE, session="s"
    )
    claims = decode_token(KEY, issued.token, "access")
    assert decode_token(KEY, issued.token, "access") == claims  # from memory
    monkeypatch.setattr(security.time, "time", lambda: claims["exp"] + 1)
    with pytest.raises(NotAuthenticated) as expired:
        decode_token(KEY, issued.token, "access")
    assert expired.value.code == "token_expired"


def test_another_key_or_type_is_not_a_hit() -> None:
    issued = encode_token(
        KEY, user_id="u2", role="user", token_type="access", ttl=FIVE, session="s"
    )
    decode_token(KEY, issued.token, "access")
    with pytest.raises(NotAuthenticated):
        decode_token("x" * 48, issued.token, "access")
    with pytest.raises(NotAuthenticated):
        decode_token(KEY, issued.token, "refresh")
