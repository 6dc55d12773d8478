"""Trailing slashes, request ids, the access log, the OpenAPI document."""

import json
import logging
from unittest.mock import ANY

import httpx
import pytest
from fastapi import FastAPI

from app.core.log import JsonFormatter
from tests.factories import Actor


class TestTrailingSlash:
    @pytest.mark.parametrize(
        "path", ["/api/health/", "/api/health", "/api/support/faq", "/api/support/faq/"]
    )
    async def test_public_paths_with_and_without(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        response = await client.get(path)
        assert response.status_code == 200
        assert not response.history  # no redirect

    @pytest.mark.parametrize("path", ["/api/support/tickets", "/api/support/tickets/"])
    async def test_authorization_survives(
        self, client: httpx.AsyncClient, customer: Actor, path: str
    ) -> None:
        response = await client.get(path, headers=customer.headers)
        assert response.status_code == 200
        assert not response.history

    async def test_post_without_slash(self, client: httpx.AsyncClient, customer: Actor) -> None:
        response = await client.post(
            "/api/support/tickets/create",
            json={"subject": "s", "description": "d", "category": "Late"},
            headers=customer.headers,
        )
        assert response.status_code == 201

    async def test_path_parameter_without_slash(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        response = await client.get(
            "/api/support/tickets/507f1f77bcf86cd799439011", headers=admin.headers
        )
        assert response.status_code == 404
        assert response.json() == {"error": "Ticket not found", "code": ANY}


class TestRequestId:
    async def test_generated_when_absent(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/health/")
        assert len(response.headers["x-request-id"]) == 32

    async def test_echoed_when_given(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/health/", headers={"X-Request-ID": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123"

    async def test_unsafe_id_replaced(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/health/", headers={"X-Request-ID": "a b\x1b[31m"})
        assert response.headers["x-request-id"] != "a b\x1b[31m"
        assert len(response.headers["x-request-id"]) == 32

    async def test_one_structured_log_line_per_request(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="app.request"):
            await client.get("/api/support/faq/?x=1", headers={"X-Request-ID": "log-me"})
        [record] = [r for r in caplog.records if r.name == "app.request"]
        line = json.loads(JsonFormatter().format(record))
        assert line["method"] == "GET"
        assert line["path"] == "/api/support/faq/"
        assert line["status"] == 200
        assert line["request_id"] == "log-me"
        assert isinstance(line["duration_ms"], float)

    def test_control_characters_are_escaped_in_log_lines(self) -> None:
        record = logging.makeLogRecord({"msg": "request", "path": "/api/\x1b[2J\nforged line"})
        line = JsonFormatter().format(record)
        assert "\n" not in line and "\x1b" not in line
        assert json.loads(line)["path"] == "/api/\x1b[2J\nforged line"


class TestOpenApi:
    async def test_document_and_docs_page(self, client: httpx.AsyncClient) -> None:
        spec = (await client.get("/openapi.json")).json()
        assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        docs = await client.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()

    async def test_every_operation_documented(self, app: FastAPI) -> None:
        spec = app.openapi()
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                where = f"{method.upper()} {path}"
                assert operation.get("summary"), where
                # never the framework's validation 422; only a reused Idempotency-Key
                reused = operation["responses"].get("422")
                assert (
                    reused is None
                    or reused["content"]["application/json"]["example"]["code"]
                    == "idempotency_key_reused"
                ), where
                success = [c for c in operation["responses"] if c.startswith("2")]
                assert success, where
                if operation.get("security"):
                    assert "401" in operation["responses"], where
                if "requestBody" in operation or operation.get("parameters"):
                    assert "400" in operation["responses"] or all(
                        p["in"] == "path" for p in operation.get("parameters", [])
                    ), where
                if "requestBody" in operation:
                    assert "413" in operation["responses"], where
                if path != "/api/health/":
                    assert "503" in operation["responses"], where
