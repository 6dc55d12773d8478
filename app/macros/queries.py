"""The macros' queries and indexes: listed by title."""

from typing import cast

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from app.core.db import Database
from app.macros.documents import MacroDoc

INDEXES = {"macros": [IndexModel([("title", ASCENDING)], name="macros_by_title")]}


def macros(db: Database) -> AsyncCollection[MacroDoc]:
    return cast(AsyncCollection[MacroDoc], db.macros)


async def list_macros(db: Database, limit: int) -> list[MacroDoc]:
    return await macros(db).find().sort("title").limit(limit).to_list()


async def find_macro(db: Database, macro_id: ObjectId) -> MacroDoc | None:
    return await macros(db).find_one({"_id": macro_id})


async def insert_macro(db: Database, doc: MacroDoc) -> None:
    await macros(db).insert_one(doc)


async def replace_macro(db: Database, doc: MacroDoc) -> bool:
    return (await macros(db).replace_one({"_id": doc["_id"]}, doc)).matched_count == 1


async def delete_macro(db: Database, macro_id: ObjectId) -> bool:
    return (await macros(db).delete_one({"_id": macro_id})).deleted_count == 1
