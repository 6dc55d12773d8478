"""Issue 5: operator injection, oversized bodies, awkward Unicode."""

import json
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import ANY

import httpx
import pytest
from fastapi import FastAPI

from app.core.db import Database
from tests.factories import Actors, create_ticket
from tests.system.test_authorization_matrix import CALLERS, MATRIX, World, caller_headers

OPERATORS: list[Any] = [{"$ne": None}, {"$gt": ""}, {"$where": "1"}, ["a", "b"], {"$regex": ".*"}]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _is_string(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = _resolve(spec, schema)
    options = schema.get("anyOf", [schema])
    return any(_resolve(spec, o).get("type") == "string" for o in options)


def _string_fields(spec: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = _resolve(spec, body.get("schema", {}))
    return [name for name, prop in schema.get("properties", {}).items() if _is_string(spec, prop)]


def _operations(app: FastAPI) -> list[tuple[str, dict[str, Any]]]:
    spec = app.openapi()
    return [(f"{m.upper()} {p}", op) for p, ops in spec["paths"].items() for m, op in ops.items()]


async def test_operator_objects_in_every_string_field_of_every_body(
    app: FastAPI, client: httpx.AsyncClient, db: Database, actors: Actors
) -> None:
    spec = app.openapi()
    world = World(client, db, actors, app)
    tried = 0
    for name, operation in _operations(app):
        fields = _string_fields(spec, operation)
        if not fields:
            continue
        expected, build = MATRIX[name]
        # A caller the guards let through, so the body itself is what gets judged.
        caller = next(c for c, status in zip(CALLERS, expected, strict=True) if status < 300)
        for field in fields:
            for payload in OPERATORS:
                path, body = await build(world)
                path = path or name.split(" ", 1)[1]
                method = name.split(" ", 1)[0]
                response = await client.request(
                    method,
                    path,
                    json={**(body or {}), field: payload},
                    headers=caller_headers(actors, caller),
                )
                assert response.status_code == 400, (name, field, payload, response.text)
                assert field in response.json(), (name, field, response.text)
                tried += 1
    assert tried >= 80


# Free text: an operator object there is words to search for (test_search_text_is_only_words).
FREE_TEXT = {"q"}
# Given more than once on purpose (every tag given): only a list of values is not refused.
REPEATABLE = {"tag"}


async def test_operator_objects_in_every_query_parameter(
    app: FastAPI, client: httpx.AsyncClient, db: Database, actors: Actors
) -> None:
    tried = 0
    for name, operation in _operations(app):
        method, path = name.split(" ", 1)
        if method != "GET":
            continue
        expected, build = MATRIX[name]
        if "{" in path:  # a real resource, so the parameters are what is refused
            path = (await build(World(client, db, actors, app)))[0]
        caller = next(c for c, status in zip(CALLERS, expected, strict=True) if status < 300)
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query" or parameter["name"] in FREE_TEXT:
                continue
            for payload in OPERATORS:
                if isinstance(payload, list) and parameter["name"] in REPEATABLE:
                    continue
                params: Any = (
                    [(parameter["name"], v) for v in payload]
                    if isinstance(payload, list)
                    else {parameter["name"]: json.dumps(payload)}
                )
                response = await client.get(
                    path, params=params, headers=caller_headers(actors, caller)
                )
                assert response.status_code == 400, (
                    name,
                    parameter["name"],
                    payload,
                    response.text,
                )
                assert parameter["name"] in response.json()
                tried += 1
    assert tried >= 40


async def test_search_text_is_only_words(client: httpx.AsyncClient, actors: Actors) -> None:
    await create_ticket(client, actors.customer)
    for payload in OPERATORS:
        q = json.dumps(payload)
        response = await client.get(
            "/api/admin/support/tickets/", params={"q": q}, headers=actors.admin.headers
        )
        assert response.status_code in (200, 400), response.text
        assert response.json().get("tickets", []) == [], (q, response.text)


async def test_bracket_operator_query_syntax_is_not_a_filter(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    # Express/PHP-style status[$ne]=Open is just an unknown parameter here: no filter at all.
    mine = await create_ticket(client, actors.customer)
    response = await client.get(
        "/api/admin/support/tickets/",
        params={"customer_id[$ne]": actors.customer.id},
        headers=actors.admin.headers,
    )
    assert response.status_code == 200
    assert mine["id"] in [t["id"] for t in response.json()["tickets"]]


async def test_login_with_operator_email_is_400_never_a_match(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    for payload in OPERATORS:
        response = await client.post("/api/auth/login/", json={"email": payload, "password": "x"})
        assert response.status_code == 400
        assert list(response.json()) == ["email"]


class TestOversizedBodies:
    async def test_50_mib_streamed_upload_stays_small(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        chunk = b"x" * (64 * 1024)
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            yield b'{"subject": "s", "category": "Late", "description": "'
            for _ in range(50 * 16):  # 50 MiB
                sent += len(chunk)
                yield chunk
            yield b'"}'

        tracemalloc.start()
        try:
            baseline, _ = tracemalloc.get_traced_memory()
            response = await client.post(
                "/api/support/tickets/create/",
                content=body(),
                headers={**actors.customer.headers, "Content-Type": "application/json"},
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert response.status_code == 413
        assert response.json() == {"error": "Request body too large", "code": ANY}
        assert peak - baseline < 4 * 1024 * 1024, (
            f"peak grew by {(peak - baseline) / 2**20:.1f} MiB"
        )
        assert sent <= 2 * 1024 * 1024  # stopped reading soon after the limit

    async def test_declared_50_mib_refused_before_reading(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        consumed = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal consumed
            for _ in range(50 * 16):
                consumed += 1
                yield b"x" * (64 * 1024)

        response = await client.post(
            "/api/support/tickets/create/",
            content=body(),
            headers={
                **actors.customer.headers,
                "Content-Type": "application/json",
                "Content-Length": str(50 * 1024 * 1024),
            },
        )
        assert response.status_code == 413
        assert consumed <= 1


@pytest.mark.parametrize(
    "text",
    [
        "Colis abîmé 📦🔥",
        "الطرد وصل تالفاً",  # right-to-left
        "𝄞 𠜎 𝕏 four-byte characters",  # noqa: RUF001
        "mixed \u202eRTL override\u202c and zero\u200bwidth",
        "tabs\tand\nnewlines",
        "emoji only 👩🏽‍💻👨‍👩‍👧",
    ],
)
async def test_unicode_round_trips_in_subjects_and_notes(
    client: httpx.AsyncClient, actors: Actors, text: str
) -> None:
    ticket = await create_ticket(client, actors.customer, subject=text[:200], description=text)
    note = await client.post(
        f"/api/support/tickets/{ticket['id']}/add-note/",
        json={"note": text},
        headers=actors.admin.headers,
    )
    assert note.status_code == 201
    detail = (
        await client.get(f"/api/support/tickets/{ticket['id']}/", headers=actors.admin.headers)
    ).json()
    assert detail["ticket"]["subject"] == text.strip()[:200]
    assert detail["ticket"]["description"] == text.strip()
    assert detail["internal_notes"][0]["note"] == text.strip()


@pytest.mark.parametrize(
    "text", ["NUL \u0000 byte", "bell \u0007 and escape \u001b[31m", "lone \ud800 surrogate"]
)
async def test_control_characters_round_trip_or_clean_400(
    client: httpx.AsyncClient, actors: Actors, text: str
) -> None:
    body = json.dumps({"subject": text, "description": text, "category": "Other"})
    response = await client.post(
        "/api/support/tickets/create/",
        content=body.encode(),
        headers={**actors.customer.headers, "Content-Type": "application/json"},
    )
    assert response.status_code in (201, 400), response.text
    if response.status_code == 400:
        assert set(response.json()) <= {"subject", "description", "non_field_errors"}
        return
    detail = await client.get(
        f"/api/support/tickets/{response.json()['ticket']['id']}/", headers=actors.customer.headers
    )
    assert detail.json()["ticket"]["description"] == text
