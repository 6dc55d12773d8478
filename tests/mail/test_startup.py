"""What mail says at start: where development writes its .eml files without SMTP_URL, and the
warning that production without SMTP_URL sends nothing."""

import logging
from pathlib import Path

import pytest

from tests.conftest import AppFactory

NOTHING_SENT = "SMTP_URL is not set: no e-mail is sent (notifications are not queued)"


def mail_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "app.mail"]


class TestStartUp:
    async def test_development_without_smtp_url_says_where_mail_is_written(
        self, app_with: AppFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="app.mail"):
            await app_with(app_env="development", smtp_url=None, public_urls=["https://h.example"])
        where = (tmp_path / "mail").resolve()
        assert mail_lines(caplog) == [
            (logging.INFO, f"SMTP_URL is not set: e-mail is written to {where}")
        ]

    async def test_production_without_smtp_url_warns_that_nothing_is_sent(
        self, app_with: AppFactory, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="app.mail"):
            await app_with(smtp_url=None)
        assert mail_lines(caplog) == [(logging.WARNING, NOTHING_SENT)]

    async def test_production_with_smtp_url_says_nothing(
        self, app_with: AppFactory, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="app.mail"):
            await app_with(smtp_url="smtp://127.0.0.1:25", public_urls=["https://h.example"])
        assert mail_lines(caplog) == []
