"""Issue 14, the first five minutes: readable logs in development, JSON in production, and a
start banner with the URLs, the data and, on first start, the development admin."""

import logging
from pathlib import Path

from app.core.config import Settings
from app.core.log import ConsoleFormatter, start_banner
from tests.conftest import TEST_JWT_SECRET


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
