"""The floor the service is measured against: a bare FastAPI endpoint, and the same doing one
and two `find_one` by `_id` through PyMongo's async API, served like the service (uvicorn,
httptools, the same workers), against the same database.

    uvicorn bench.floor:app   (bench/run.py starts it with MONGODB_URL and MONGODB_DB)
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bson import ObjectId
from fastapi import FastAPI
from pymongo import AsyncMongoClient

FLOOR_ID = ObjectId("65a1b2c3d4e5f6a7b8c9d0e1")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        os.environ["MONGODB_URL"], tz_aware=True
    )
    app.state.db = client[os.environ["MONGODB_DB"]]
    await app.state.db.floor.update_one(
        {"_id": FLOOR_ID}, {"$set": {"subject": "Package arrived damaged"}}, upsert=True
    )
    yield
    await client.close()


app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/floor/0")
async def bare() -> dict[str, bool]:
    return {"ok": True}


@app.get("/floor/1")
async def one_round_trip() -> dict[str, Any]:
    found = await app.state.db.floor.find_one({"_id": FLOOR_ID})
    return {"subject": found["subject"] if found else None}


@app.get("/floor/2")
async def two_round_trips() -> dict[str, Any]:
    await app.state.db.floor.find_one({"_id": FLOOR_ID})
    found = await app.state.db.floor.find_one({"_id": FLOOR_ID})
    return {"subject": found["subject"] if found else None}
