"""The documentation pages, served from the app itself: Swagger UI at /docs (and /docs/),
ReDoc at /redoc, their scripts and styles from the `fastapi-offline` package under
/docs-assets/. A locked-down machine that cannot reach a CDN still gets working docs; the
pages name no other host (tests/core/test_openapi.py)."""

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
ASSET_DIR = Path(fastapi_offline.__file__).parent / "static"
DOCS_PATHS = ("/docs", "/docs/", "/redoc", "/redoc/")


def install_docs(app: FastAPI, *, openapi_url: str) -> None:
    router = APIRouter(include_in_schema=False)

    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )

    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    for path in ("/docs", "/docs/"):
        router.add_api_route(path, swagger_ui, methods=["GET"])
    for path in ("/redoc", "/redoc/"):
        router.add_api_route(path, redoc, methods=["GET"])
    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=ASSET_DIR), name="docs-assets")
