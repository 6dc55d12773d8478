"""Issue 14, the first five minutes: readable logs in development, JSON in production, and a
start banner with the URLs, the data and, on first start, the development admin."""

import logging
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.log import BANNER_VARIABLE, ConsoleFormatter, start_banner
from tests.conftest import TEST_JWT_SECRET, AppFactory


def test_log_style_follows_the_environment(tmp_path: Path) -> None:
    assert Settings(app_env="development", data_dir=tmp_path).log_style == "console"
    production = Settings(
        app_env="production", mongodb_url="mongodb://db", jwt_secret=TEST_JWT_SECRET
    )
    assert production.log_style == "json"
    assert Settings(app_env="development", log_format="json").log_style == "json"


def test_console_lines_are_readable_and_escaped() -> None:
    record = logging.makeLogRecord(
        {"name": "app.request", "levelname": "INFO", "msg": "evil\nline", "path": "/api/x"}
    )
    line = ConsoleFormatter().format(record)
    assert "\n" not in line and "evil\\nline" in line and "path=/api/x" in line


def test_banner(tmp_path: Path) -> None:
    settings = Settings(app_env="development", data_dir=tmp_path)
    first = start_banner(settings, "http://127.0.0.1:8000", ("admin@localhost", "s3cret"))
    assert "http://127.0.0.1:8000/api/" in first and "http://127.0.0.1:8000/docs" in first
    assert str(tmp_path) in first and "admin@localhost / s3cret" in first
    later = start_banner(settings, "http://127.0.0.1:8000", None)
    assert "Admin" not in later


async def test_serve_shows_the_first_admin_in_the_banner_not_the_log(
    app_with: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(BANNER_VARIABLE, "http://127.0.0.1:8000")
    await app_with(app_env="development")
    banner = capsys.readouterr().out
    password = banner.split("admin@localhost / ")[1].split()[0]
    assert "http://127.0.0.1:8000/docs" in banner
    assert password not in caplog.text and "Created the development admin" in caplog.text
