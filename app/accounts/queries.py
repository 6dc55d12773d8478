"""The admin's agent list: its query and indexes."""

from pymongo import ASCENDING, IndexModel

from app.auth.documents import Role
from app.core.db import Database, Document
from app.core.pagination import OLDEST_FIRST, read_page

INDEXES = {
    "users": [
        # admin agent list; bootstrap "is there an admin?"
        IndexModel([("role", ASCENDING), ("_id", ASCENDING)], name="users_by_role"),
        # admin agent list with ?approved=
        IndexModel(
            [("role", ASCENDING), ("is_approved", ASCENDING), ("_id", ASCENDING)],
            name="agents_by_approval",
        ),
    ],
}


async def page_of_agents(
    db: Database, *, approved: bool | None, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    query: Document = {"role": Role.AGENT.value}
    if approved is not None:
        query["is_approved"] = approved
    return await read_page(
        db.users,
        [query],
        keyset=OLDEST_FIRST,
        limit=limit,
        cursor=cursor,
        projection={"password_hash": 0},
    )


async def admin_exists(db: Database) -> bool:
    return bool(await db.users.count_documents({"role": Role.ADMIN.value}, limit=1))
