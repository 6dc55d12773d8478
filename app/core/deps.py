"""Dependencies every domain uses: the database, the settings, the client's address, and the
page parameters. All are `async def`: FastAPI runs a plain `def` dependency in its thread
pool, a thread hop per dependency per request for nothing."""

from typing import Annotated

from fastapi import Depends, Query, Request

from app.core.config import Settings
from app.core.db import Database
from app.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from app.core.security import PasswordHasher


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.hasher
    return hasher


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]


async def get_client_address(request: Request) -> str:
    """The client's address as RequestContextMiddleware worked it out (trusted proxies'
    X-Forwarded-For believed, no one else's)."""
    address: str = request.state.client_address
    return address


ClientAddress = Annotated[str, Depends(get_client_address)]

PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")]
PageCursor = Annotated[
    str | None, Query(max_length=512, description="next_cursor of the previous page")
]
DEFAULT_LIMIT = DEFAULT_PAGE_SIZE
