"""Serves the console's files at /app/ with their own Content-Security-Policy, and sends `/`
there. Each answer carries an ETag and `Cache-Control: no-cache`: the browser keeps the files
and revalidates them (a 304 while unchanged), so a new release is picked up at once without
content-hashed names or a build step."""

import os
from os import PathLike
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

CONSOLE_PATH = "/app"
STATIC_DIR = Path(__file__).parent / "static"
# Scripts and styles from this server only, nothing inline; the API on the same origin.
# blob: and data: images are the photo previews and attachments fetched with the token.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
CONSOLE_HEADERS = {"Content-Security-Policy": CONSOLE_CSP, "Cache-Control": "no-cache"}


class ConsoleFiles(StaticFiles):
    """Starlette's static files (ETag, Last-Modified, 304 on If-None-Match) with the console's
    headers on every file answer, 304s included."""

    def file_response(
        self,
        full_path: str | PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(CONSOLE_HEADERS)
        return response


router = APIRouter(include_in_schema=False)


@router.get("/")
@router.get(CONSOLE_PATH)
async def to_console() -> RedirectResponse:
    return RedirectResponse(f"{CONSOLE_PATH}/")


def install_console(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(CONSOLE_PATH, ConsoleFiles(directory=STATIC_DIR, html=True), name="console")
