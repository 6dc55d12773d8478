"""A write whose transaction keeps conflicting (many writers of one document at once) gives up
once events.record.TRANSACTION_SECONDS has run out, not after the driver's two minutes of
retries, stores nothing, and is answered 503 with Retry-After."""

import asyncio
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI
from pymongo.errors import ExecutionTimeout, OperationFailure

from app.core.db import Database
from app.events import record

BOUND = 30.0  # far above the bound the test sets; the driver's own retries last 120 s


def write_conflict() -> OperationFailure:
    details = {"code": 112, "errmsg": "WriteConflict", "errorLabels": ["TransientTransactionError"]}
    return OperationFailure("WriteConflict", 112, details)


async def test_a_transaction_that_keeps_conflicting_gives_up_at_the_bound(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(record, "TRANSACTION_SECONDS", 0.3)
    attempts = 0

    async def work(session: Any) -> None:
        nonlocal attempts
        attempts += 1
        await db.tickets.insert_one({"_id": ObjectId(), "probe": True}, session=session)
        raise write_conflict()

    with pytest.raises(ExecutionTimeout):
        await asyncio.wait_for(record.in_transaction(db, work), BOUND)
    assert attempts > 1  # retried while the bound allowed
    assert await db.tickets.count_documents({"probe": True}) == 0


async def test_it_is_answered_503_with_retry_after(app: FastAPI, client: httpx.AsyncClient) -> None:
    @app.get("/api/test-busy/")
    async def busy() -> None:
        raise ExecutionTimeout("operation exceeded time limit", 50)

    response = await client.get("/api/test-busy/")
    assert response.status_code == 503
    assert response.json()["error"] == "Service temporarily unavailable"
    assert int(response.headers["retry-after"]) > 0
