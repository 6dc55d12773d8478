"""Security headers on every answer, HEAD for every GET route, CORS refusals in the
reference's shape, and the documentation behind DOCS_ENABLED."""

import base64
import hashlib
import re
from unittest.mock import ANY

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import AppFactory
from tests.factories import Actor


class TestSecurityHeaders:
    async def test_api_answers_are_not_stored_sniffed_or_framed(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        for response in (
            await client.get("/api/auth/me/", headers=customer.headers),
            await client.post("/api/auth/login/", json={"email": "a@b.c", "password": "x"}),
            await client.get("/api/support/nothing-here/"),
        ):
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert "default-src 'none'" in response.headers["content-security-policy"]

    async def test_docs_page_csp_allows_exactly_its_inline_script(
        self, client: httpx.AsyncClient
    ) -> None:
        page = await client.get("/docs")
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        (script,) = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "cache-control" not in page.headers  # a public page, not personal data


class TestHead:
    async def test_every_get_route_answers_head(
        self, app: FastAPI, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        paths = [
            path
            for path, operations in app.openapi()["paths"].items()
            if "get" in operations and "{" not in path
        ]
        assert "/api/support/faq/" in paths and "/api/health/" in paths
        for path in paths:
            get = await client.get(path, headers=customer.headers)
            head = await client.head(path, headers=customer.headers)
            assert head.status_code == get.status_code != 405, path
            assert head.content == b""
            if "content-length" in get.headers:  # (a stream has none)
                assert head.headers["content-length"] == get.headers["content-length"], path


class TestCorsPreflight:
    async def test_refused_preflight_has_the_error_shape(self, app_with: AppFactory) -> None:
        _, client = await app_with(cors_origins=["https://app.example"])
        refused = await client.options(
            "/api/auth/login/",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert refused.status_code == 400
        assert refused.json() == {"error": "Disallowed CORS origin", "code": ANY}
        allowed = await client.options(
            "/api/auth/login/",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"


class TestDocsEnabled:
    @pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
    async def test_off_means_not_there(self, app_with: AppFactory, path: str) -> None:
        _, client = await app_with(docs_enabled=False)
        response = await client.get(path)
        assert response.status_code == 404
        assert response.json() == {"error": "Not found", "code": ANY}
