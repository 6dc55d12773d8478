"""Issue 20, item 2: under `python -m app serve`, only TRUSTED_PROXIES decides whose
X-Forwarded-For is believed; uvicorn's own proxy-header handling (which believes 127.0.0.1 by
default) is off, so a rotating X-Forwarded-For from a local sidecar gets no fresh limits."""

from pathlib import Path

import httpx

from tests.core.serving import serving

LIMIT = 3
FAQ = "/api/support/faq/"


def statuses(base: str, forwarded_for: list[str]) -> list[int]:
    return [
        httpx.get(f"{base}{FAQ}", headers={"X-Forwarded-For": address}, timeout=10).status_code
        for address in forwarded_for
    ]


class TestForwardedFor:
    def test_not_believed_from_localhost_without_trusted_proxies(self, tmp_path: Path) -> None:
        rotating = [f"203.0.113.{i}" for i in range(1, LIMIT + 3)]
        with serving(tmp_path, RATE_LIMIT_PER_ADDRESS=str(LIMIT)) as served:
            assert statuses(served.base, rotating) == [200] * LIMIT + [429, 429]
            log = served.log
        assert "client=127.0.0.1" in log
        assert "203.0.113." not in log  # no request was taken to come from a forged address

    def test_believed_from_a_trusted_proxy(self, tmp_path: Path) -> None:
        rotating = [f"203.0.113.{i}" for i in range(1, LIMIT + 3)]
        settings = {"RATE_LIMIT_PER_ADDRESS": str(LIMIT), "TRUSTED_PROXIES": "127.0.0.1"}
        with serving(tmp_path, **settings) as served:
            assert statuses(served.base, rotating) == [200] * len(rotating)
            # each forwarded address has its own budget
            assert statuses(served.base, ["198.51.100.9"] * (LIMIT + 1)) == [200] * LIMIT + [429]
            log = served.log
        assert "client=203.0.113.1 " in log
