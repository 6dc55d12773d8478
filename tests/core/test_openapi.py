"""Issue 14: the OpenAPI document integrators generate clients from, linted here, and a client
generated from it with a maintained generator (openapi-python-client), imported and used for a
flow; and the docs pages, which load nothing from another host."""

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.openapi import OPERATION_ID, TAGS
from tests.conftest import AppFactory
from tests.factories import Actors

METHODS = {"get", "post", "put", "patch", "delete"}


def operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    ]


def placeholders(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [p for v in value.values() for p in placeholders(v)]
    if isinstance(value, list):
        return [p for v in value for p in placeholders(v)]
    return [value] if value in ("string", "") else []


@pytest.fixture
def spec(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def test_operation_ids_are_short_unique_and_named(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, op in operations(spec)]
    assert len(ids) == len(set(ids))
    assert all(OPERATION_ID.match(i) for i in ids), [i for i in ids if not OPERATION_ID.match(i)]
    assert {"createTicket", "listMyTickets", "assignSelf", "updateStatus"} <= set(ids)
    assert sum(map(len, ids)) / len(ids) < 20


def test_every_operation_is_described_with_examples_and_errors(spec: dict[str, Any]) -> None:
    for name, op in operations(spec):
        assert op.get("description"), name
        assert "security" in op, name
        if name != "GET /api/health/":  # liveness: answers while the process runs
            assert any(code >= "400" for code in op["responses"]), name
        for media in op.get("requestBody", {}).get("content", {}).values():
            assert "example" in media, name
            assert not placeholders(media["example"]), (name, media["example"])
        for code, response in op["responses"].items():
            for media_type, media in response.get("content", {}).items():
                if media_type == "application/octet-stream":  # a file: no example applies
                    continue
                examples = (
                    [media["example"]]
                    if "example" in media
                    else [e["value"] for e in media.get("examples", {}).values()]
                )
                assert examples, (name, code)
                assert not placeholders(examples), (name, code, examples)
    bad_request = spec["paths"]["/api/support/tickets/create/"]["post"]["responses"]["400"]
    shapes = bad_request["content"]["application/json"]["examples"]
    assert {"field errors", "not JSON", "error"} <= set(shapes)


def test_public_operations_say_so(spec: dict[str, Any]) -> None:
    ops = dict(operations(spec))
    assert ops["POST /api/auth/login/"]["security"] == []
    assert ops["GET /api/support/faq/"]["security"] == []
    assert ops["POST /api/support/tickets/create/"]["security"] != []


def test_document_metadata(spec: dict[str, Any]) -> None:
    assert [t["name"] for t in spec["tags"]] == [t["name"] for t in TAGS]
    assert all(t["description"] for t in spec["tags"])
    assert spec["info"]["contact"] and spec["info"]["license"]["name"]
    used = {tag for _, op in operations(spec) for tag in op.get("tags", [])}
    assert used <= {t["name"] for t in TAGS}


def test_times_and_ids_have_formats(spec: dict[str, Any]) -> None:
    ticket = spec["components"]["schemas"]["TicketOut"]["properties"]
    assert ticket["created_at"]["format"] == "date-time"
    assert ticket["id"]["pattern"] == "^[0-9a-f]{24}$"


def test_ticket_detail_is_discriminated(spec: dict[str, Any]) -> None:
    detail = spec["paths"]["/api/support/tickets/{ticket_id}/"]["get"]["responses"]["200"]
    schema = detail["content"]["application/json"]["schema"]
    assert schema["discriminator"]["propertyName"] == "view"
    example = detail["content"]["application/json"]["example"]
    assert "internal_notes" not in example or example["view"] == "staff"


def test_update_status_documents_its_transitions(spec: dict[str, Any]) -> None:
    op = spec["paths"]["/api/support/tickets/{ticket_id}/update-status/"]["put"]
    assert "| Resolved | Closed, In Progress (reopening) |" in op["description"]


async def test_a_generated_client_runs_a_flow(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors, tmp_path: Path
) -> None:
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(app.openapi()))
    generated = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(document),
         "--output-path", str(tmp_path / "client"), "--meta", "none"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout, generated.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        from client import AuthenticatedClient  # type: ignore[import-not-found]
        from client.api.tickets import (  # type: ignore[import-not-found]
            create_ticket,
            ticket_detail,
        )
        from client.models import Category, TicketCreate  # type: ignore[import-not-found]

        api = AuthenticatedClient(base_url="http://test", token=actors.customer.token)
        api.set_async_httpx_client(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://test",
                headers={"Authorization": f"Bearer {actors.customer.token}"},
            )
        )
        created = await create_ticket.asyncio(
            client=api,
            body=TicketCreate(
                subject="Generated", description="From a client", category=Category.LATE
            ),
        )
        assert created.ticket.subject == "Generated"
        detail = await ticket_detail.asyncio(ticket_id=created.ticket.id, client=api)
        assert detail.view == "customer" and detail.ticket.id == created.ticket.id
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m == "client" or m.startswith("client.")]:
            del sys.modules[module]


async def test_docs_pages_load_nothing_from_another_host(client: httpx.AsyncClient) -> None:
    for path in ("/docs", "/docs/", "/redoc", "/redoc/"):
        page = await client.get(path)
        assert page.status_code == 200, path
        hosts = re.findall(r"""(?:src|href)=["']?(https?:)?//""", page.text)
        assert not hosts, (path, hosts)
        assert "/docs-assets/" in page.text
        csp = page.headers["content-security-policy"]
        assert "http" not in csp, csp
    asset = await client.get("/docs-assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


def test_headers_are_documented(spec: dict[str, Any]) -> None:
    for name, op in operations(spec):
        for code, response in op["responses"].items():
            assert "X-Request-ID" in response.get("headers", {}), (name, code)
            if code in ("429", "503"):
                assert "Retry-After" in response["headers"], (name, code)


class TestIdempotencyKeyIsDeclared:
    """Generated clients can send Idempotency-Key exactly where the middleware honours it."""

    @staticmethod
    def declares_key(op: dict[str, Any]) -> bool:
        keys = [p for p in op.get("parameters", []) if p["name"] == "Idempotency-Key"]
        assert all(p["in"] == "header" and p["required"] is False for p in keys)
        return bool(keys)

    def test_on_operations_that_create_and_not_on_sign_in(self, spec: dict[str, Any]) -> None:
        ops = dict(operations(spec))
        declared = {name for name, op in ops.items() if self.declares_key(op)}
        assert {"POST /api/support/tickets/create/", "POST /api/auth/register/"} <= declared
        assert not {"POST /api/auth/login/", "POST /api/auth/refresh/"} & declared
        assert all(name.startswith("POST ") for name in declared)
        for name in declared:
            answers = ops[name]["responses"]
            assert {"400", "409", "422"} <= set(answers), name
            success = [r for code, r in answers.items() if code.startswith("2")]
            assert all("Idempotent-Replayed" in r["headers"] for r in success), name

    async def test_exactly_where_the_middleware_honours_it(
        self, client: httpx.AsyncClient, spec: dict[str, Any], actors: Actors
    ) -> None:
        # A key that is too long is refused by the middleware before anything else runs: the
        # operations that answer so are the ones that honour the header.
        too_long = {**actors.admin.headers, "Idempotency-Key": "k" * 256}
        honoured = set()
        for name, _ in operations(spec):
            method, path = name.split(" ")
            url = re.sub(r"\{[^}]+\}", "65a1b2c3d4e5f6a7b8c9d0e1", path)
            answer = await client.request(method, url, headers=too_long)
            if answer.status_code == 400 and "Idempotency-Key" in answer.json():
                honoured.add(name)
        assert honoured == {name for name, op in operations(spec) if self.declares_key(op)}


def test_servers_default_to_the_host_that_served_the_document(spec: dict[str, Any]) -> None:
    assert spec["servers"] == [{"url": "/"}]


async def test_public_urls_are_the_servers(app_with: AppFactory) -> None:
    configured, _ = await app_with(public_urls=["https://support.example.com"])
    assert configured.openapi()["servers"] == [{"url": "https://support.example.com"}]
