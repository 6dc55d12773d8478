"""Issue 5: schema fuzzing. Schemathesis generates requests for every operation of the
OpenAPI document and sends each as every role; the service must never answer 5xx and every
answer must match what the document promises (status, content type, schema).

Bounded for `make test` (fixed seed, FUZZ_EXAMPLES examples per operation, default 1: every
operation as every role, once, within the suite's 10 minutes); `make fuzz` runs 200."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from pymongo import MongoClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.clock import utcnow
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import access_token, password_hash

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROLES = ("user", "support_agent", "admin")


@pytest.fixture(scope="module")
def fuzz_app(
    mongodb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FastAPI, dict[str, str | None]]]:
    settings_ = make_settings(mongodb_url, Path(tmp_path_factory.mktemp("fuzz")))
    tokens: dict[str, str | None] = {"anonymous": None}
    with MongoClient(mongodb_url) as sync_client:
        db = sync_client[settings_.mongodb_db]
        for role in ROLES:
            user_id = db.users.insert_one(
                {
                    "email": f"{role}-{uuid.uuid4().hex[:6]}@example.com",
                    "name": role,
                    "contact_number": None,
                    "role": role,
                    "password_hash": password_hash(),
                    "is_active": True,
                    "is_approved": True,
                    "approved_at": None,
                    "approved_by": None,
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
            ).inserted_id
            tokens[role] = access_token(settings_, str(user_id), role)
        # Schemathesis starts the app's lifespan on its own event loop thread.
        yield create_app(settings_), tokens
        sync_client.drop_database(settings_.mongodb_db)


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app: tuple[FastAPI, dict[str, str | None]]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app[0])


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schemathesis.serializer("message/rfc822")
def _raw_email(ctx: Any, value: Any) -> bytes:
    """POST /api/inbound/email/ takes a raw message: the generated string, as bytes."""
    return value.encode() if isinstance(value, str) else str(value).encode()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_as_every_role(
    case: Any, fuzz_app: tuple[FastAPI, dict[str, str | None]]
) -> None:
    for token in fuzz_app[1].values():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        case.call_and_validate(headers=headers, checks=CHECKS)
