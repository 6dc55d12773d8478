"""Every error answers in the reference's shapes, framework errors included."""

import json
import logging
from pathlib import Path
from unittest.mock import ANY

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI, HTTPException

from app.core.config import Settings
from app.core.db import Database, create_client
from app.core.embedded_db import free_port
from app.core.errors import ERROR_CODES, validation_errors_to_fields
from tests.conftest import AppFactory
from tests.factories import Actor, Actors, assign, create_ticket, set_status


class TestBadRequest:
    async def test_missing_and_invalid_fields(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        response = await client.post(
            "/api/support/tickets/create/",
            json={"subject": "", "category": "Broken"},
            headers=customer.headers,
        )
        assert response.status_code == 400
        body = response.json()
        assert set(body) == {"subject", "description", "category"}
        assert body["description"] == ["This field is required."]
        assert all(isinstance(m, str) for messages in body.values() for m in messages)

    async def test_malformed_json(self, client: httpx.AsyncClient, customer: Actor) -> None:
        response = await client.post(
            "/api/support/tickets/create/",
            content=b'{"subject": ',
            headers={**customer.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert list(response.json()) == ["non_field_errors"]
        assert response.json()["non_field_errors"][0].startswith("Malformed JSON")

    async def test_body_not_an_object(self, client: httpx.AsyncClient, customer: Actor) -> None:
        response = await client.post(
            "/api/support/tickets/create/", json=["a", "b"], headers=customer.headers
        )
        assert response.status_code == 400
        assert list(response.json()) == ["non_field_errors"]

    async def test_unknown_field_refused(self, client: httpx.AsyncClient, customer: Actor) -> None:
        response = await client.post(
            "/api/support/tickets/create/",
            json={"subject": "s", "description": "d", "category": "Late", "priorty": "High"},
            headers=customer.headers,
        )
        assert response.status_code == 400
        assert response.json() == {"priorty": ["Unknown field."]}

    async def test_invalid_query_parameter(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/support/faq/?category=Bogus")
        assert response.status_code == 400
        assert list(response.json()) == ["category"]

    def test_nested_fields_by_dotted_path(self) -> None:
        errors = [{"type": "string_type", "loc": ("body", "items", 0, "name"), "msg": "bad"}]
        assert validation_errors_to_fields(errors) == {"items.0.name": ["bad"]}


class TestUnauthorized:
    async def test_no_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/support/tickets/")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert set(response.json()) == {"error", "code"}

    async def test_garbage_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            "/api/support/tickets/", headers={"Authorization": "Bearer not.a.jwt"}
        )
        assert response.status_code == 401
        assert response.json() == {"error": "Invalid token", "code": ANY}


class TestForbidden:
    async def test_wrong_role(self, client: httpx.AsyncClient, agent: Actor) -> None:
        response = await client.get("/api/support/tickets/", headers=agent.headers)
        assert response.status_code == 403
        assert set(response.json()) == {"error", "code"}


class TestNotFound:
    async def test_unknown_route(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/nothing-here/")
        assert response.status_code == 404
        assert response.json() == {"error": "Not found", "code": ANY}

    @pytest.mark.parametrize("ticket_id", ["abc", "507f1f77bcf86cd79943901z", "1" * 25, "%24ne"])
    async def test_non_object_id_is_404_of_the_resource(
        self, client: httpx.AsyncClient, admin: Actor, ticket_id: str
    ) -> None:
        response = await client.get(f"/api/support/tickets/{ticket_id}/", headers=admin.headers)
        assert response.status_code == 404
        assert response.json() == {"error": "Ticket not found", "code": ANY}

    async def test_wrong_method(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/api/health/")
        assert response.status_code == 405
        assert response.json() == {"error": "Method not allowed", "code": ANY}


class TestServerError:
    async def test_500_has_no_trace_and_logs_request_id(
        self, app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        @app.get("/api/test-boom/")
        async def boom() -> None:
            raise RuntimeError("secret internals")

        with caplog.at_level(logging.ERROR, logger="app.request"):
            response = await client.get("/api/test-boom/", headers={"X-Request-ID": "req-123"})
        assert response.status_code == 500
        assert response.json() == {"error": "Internal server error", "code": ANY}
        assert "secret internals" not in response.text
        assert response.headers["x-request-id"] == "req-123"
        record = next(r for r in caplog.records if r.getMessage() == "unhandled error")
        assert record.request_id == "req-123"  # type: ignore[attr-defined]
        assert record.exc_info is not None


class TestDatabaseUnavailable:
    async def test_503_with_retry_after_and_health_still_ok(
        self, app: FastAPI, client: httpx.AsyncClient, settings: Settings, customer: Actor
    ) -> None:
        fast = settings.model_copy(update={"mongodb_timeout_ms": 300})
        dead = create_client(fast, f"mongodb://127.0.0.1:{free_port()}/?directConnection=true")
        app.state.db = dead[settings.mongodb_db]
        try:
            for response in (
                await client.get("/api/ready/"),
                await client.get("/api/support/faq/"),
                await client.get("/api/support/tickets/", headers=customer.headers),
            ):
                assert response.status_code == 503
                assert response.json() == {"error": "Service temporarily unavailable", "code": ANY}
                assert int(response.headers["retry-after"]) > 0
            assert (await client.get("/api/health/")).status_code == 200
        finally:
            await dead.close()


class TestBodyTooLarge:
    async def test_declared_length_refused_unread(
        self, client: httpx.AsyncClient, customer: Actor
    ) -> None:
        body = json.dumps(
            {"subject": "s", "description": "x" * (1024 * 1024 + 1), "category": "Late"}
        )
        response = await client.post(
            "/api/support/tickets/create/",
            content=body,
            headers={**customer.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert response.json() == {"error": "Request body too large", "code": ANY}

    async def test_streamed_body_refused(self, client: httpx.AsyncClient, customer: Actor) -> None:
        async def chunks():  # no Content-Length: chunked
            yield b'{"subject": "s", "description": "'
            for _ in range(20):
                yield b"x" * 100_000
            yield b'", "category": "Late"}'

        response = await client.post(
            "/api/support/tickets/create/",
            content=chunks(),
            headers={**customer.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert response.json() == {"error": "Request body too large", "code": ANY}


class TestHandlerChosenMessages:
    async def test_http_exception_keeps_its_message(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        @app.get("/api/test-missing/")
        async def missing() -> None:
            raise HTTPException(404, "Ticket not found")

        @app.get("/api/test-default/")
        async def default() -> None:
            raise HTTPException(404)

        response = await client.get("/api/test-missing/")
        assert response.status_code == 404
        assert response.json() == {"error": "Ticket not found", "code": ANY}
        response = await client.get("/api/test-default/")
        assert response.json() == {
            "error": "Not found",
            "code": ANY,
        }  # the framework's phrase, reworded


class TestCorsOnEveryAnswer:
    """CORS is the outermost middleware: answers made by the inner ones carry it too."""

    ORIGIN = "https://app.example"

    async def test_413_and_500_carry_cors_headers(self, app_with: AppFactory) -> None:
        application, client = await app_with(cors_origins=[self.ORIGIN], max_body_bytes=1024)

        @application.get("/api/test-boom/")
        async def boom() -> None:
            raise RuntimeError("internals")

        headers = {"Origin": self.ORIGIN}
        too_large = await client.post(
            "/api/auth/login/",
            content=b"x" * 2048,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert too_large.status_code == 413
        assert too_large.headers["access-control-allow-origin"] == self.ORIGIN
        failed = await client.get("/api/test-boom/", headers=headers)
        assert failed.status_code == 500
        assert failed.headers["access-control-allow-origin"] == self.ORIGIN


class TestManyErrorsAreCapped:
    async def test_thousands_of_unknown_keys_get_a_short_answer(
        self, client: httpx.AsyncClient
    ) -> None:
        body = {"email": "a@example.com", "password": "x"} | {f"k{n}": 1 for n in range(3000)}
        response = await client.post("/api/auth/login/", json=body)
        assert response.status_code == 400
        fields = response.json()
        assert sum(len(messages) for messages in fields.values()) <= 21
        assert fields["non_field_errors"] == ["2980 more errors not shown."]
        assert len(response.content) < 2048


class TestErrorCodes:
    """Issue 14: errors told apart by a stable code, the reference's message kept."""

    async def test_each_named_case_has_its_code(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = (await create_ticket(client, actors.customer))["id"]
        base = f"/api/support/tickets/{ticket}"
        cases = [
            (client.post(f"{base}/feedback/", json={"rating": 5}, headers=actors.customer.headers),
             400, "feedback_not_allowed_yet"),
            (client.get("/api/auth/me/"), 401, "not_authenticated"),
            (client.get("/api/admin/agents/", headers=actors.customer.headers),
             403, "permission_denied"),
            (client.get(f"/api/support/tickets/{ObjectId()}/", headers=actors.admin.headers),
             404, "not_found"),
        ]  # fmt: skip
        for call, status, code in cases:
            response = await call
            assert (response.status_code, response.json()["code"]) == (status, code)
        await assign(client, ticket, actors.agent)
        again = await client.post(f"{base}/assign-self/", headers=actors.other_agent.headers)
        assert again.json() == {
            "error": "Ticket is already assigned",
            "code": "ticket_already_assigned",
        }
        await set_status(client, ticket, actors.agent, "Resolved")
        await client.post(f"{base}/feedback/", json={"rating": 5}, headers=actors.customer.headers)
        twice = await client.post(
            f"{base}/feedback/", json={"rating": 4}, headers=actors.customer.headers
        )
        assert twice.json()["code"] == "feedback_already_submitted"
        await set_status(client, ticket, actors.agent, "Closed")
        closed = await client.post(
            f"{base}/add-note/", json={"note": "n"}, headers=actors.agent.headers
        )
        assert closed.json()["code"] == "ticket_closed"

    def test_every_code_is_listed_in_the_api_guide(self) -> None:
        guide = (Path(__file__).resolve().parents[2] / "docs" / "api-guide.md").read_text()
        assert [code for code in ERROR_CODES if f"`{code}`" not in guide] == []
