"""How the console's files are served: at /app/ from the package, `/` sent there, ETags with
revalidation (304), the console's strict CSP, and the banner naming its URL."""

import re
from pathlib import Path

import httpx
import pytest

from app.console.router import CONSOLE_CSP, STATIC_DIR
from app.core.config import Settings
from app.core.log import start_banner

# Bytes of JavaScript, vendored libraries included, uncompressed. Issue 22 asked for about
# 100 KB; the agent tools, mail and self-service screens took it to what docs/console.md says.
JS_BUDGET = 144 * 1024


class TestConsoleFiles:
    async def test_the_page_is_served_at_app_with_its_scripts(
        self, client: httpx.AsyncClient
    ) -> None:
        page = await client.get("/app/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="js/app.js"></script>' in page.text
        script = await client.get("/app/js/app.js")
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]

    @pytest.mark.parametrize("path", ["/", "/app"])
    async def test_the_root_and_app_without_slash_go_to_the_console(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        answer = await client.get(path)
        assert answer.status_code in (302, 307)
        assert answer.headers["location"] == "/app/"

    async def test_a_conditional_get_with_the_etag_answers_304(
        self, client: httpx.AsyncClient
    ) -> None:
        first = await client.get("/app/js/api.js")
        assert first.headers["cache-control"] == "no-cache"  # kept, but revalidated
        again = await client.get("/app/js/api.js", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["content-security-policy"] == CONSOLE_CSP

    async def test_every_answer_has_the_strict_csp(self, client: httpx.AsyncClient) -> None:
        for path in ("/app/", "/app/app.css", "/app/vendor/htm-preact.js"):
            csp = (await client.get(path)).headers["content-security-policy"]
            assert csp == CONSOLE_CSP
        assert "unsafe-inline" not in CONSOLE_CSP and "unsafe-eval" not in CONSOLE_CSP
        assert "script-src 'self';" in CONSOLE_CSP and "connect-src 'self';" in CONSOLE_CSP
        api = await client.get("/api/support/faq/")
        assert api.headers["content-security-policy"] != CONSOLE_CSP  # the API keeps its own

    async def test_a_missing_file_is_404_not_the_page(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/app/js/nothing.js")).status_code == 404


class TestWhatShips:
    def test_no_inline_script_or_style_in_the_page(self) -> None:
        page = (STATIC_DIR / "index.html").read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert "<style" not in page and "style=" not in page

    def test_the_javascript_stays_small(self) -> None:
        total = sum(path.stat().st_size for path in STATIC_DIR.rglob("*.js"))
        assert total < JS_BUDGET, total

    def test_vendored_libraries_ship_with_their_licences(self) -> None:
        vendor = STATIC_DIR / "vendor"
        assert {"LICENSE-htm.txt", "LICENSE-preact.txt"} <= {p.name for p in vendor.iterdir()}

    def test_the_package_data_covers_every_console_file(self) -> None:
        """Every file under static/ matches a pattern of pyproject's package-data, so the
        wheel (and the Docker image) ships it."""
        pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
        patterns = re.search(r'"app\.console" = \[(.*?)\]', pyproject)
        assert patterns is not None
        globs = re.findall(r'"([^"]+)"', patterns.group(1))
        base = STATIC_DIR.parent
        shipped = {p for glob in globs for p in base.glob(glob) if p.is_file()}
        assert shipped == {p for p in STATIC_DIR.rglob("*") if p.is_file()}


def test_the_banner_names_the_console(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, app_env="development", data_dir=tmp_path)  # type: ignore[call-arg]
    assert "Console    http://127.0.0.1:8000/app/" in start_banner(
        settings, "http://127.0.0.1:8000", None
    )
