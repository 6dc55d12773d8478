"""The FAQ's queries and indexes."""

from typing import cast

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from app.core.db import Database
from app.core.pagination import OLDEST_FIRST, Filter, read_page
from app.faq.documents import FaqDoc

INDEXES = {
    "faqs": [
        # public FAQ list, ?category=
        IndexModel([("category", ASCENDING), ("_id", ASCENDING)], name="faqs_by_category"),
    ],
}


def faqs(db: Database) -> AsyncCollection[FaqDoc]:
    return cast(AsyncCollection[FaqDoc], db.faqs)


async def page_of_faqs(
    db: Database, *, category: str | None, limit: int, cursor: str | None
) -> tuple[list[FaqDoc], str | None]:
    query: Filter = {} if category is None else {"category": category}
    return await read_page(faqs(db), [query], keyset=OLDEST_FIRST, limit=limit, cursor=cursor)
