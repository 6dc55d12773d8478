import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.core.config import Settings
from tests.factories import Actors, create_ticket

STRONG = "tK9v-Qm2x-Lp7w-Zr4n-Hb8c-Fj3d-Ue6y-Sa1g"


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class TestProductionRefusesWeakConfig:
    def test_missing_mongodb_url(self) -> None:
        with pytest.raises(ValidationError, match="MONGODB_URL must be set"):
            settings(app_env="production", jwt_secret=STRONG)

    def test_short_jwt_secret(self) -> None:
        with pytest.raises(ValidationError, match="JWT_SECRET must be at least 32"):
            settings(app_env="production", mongodb_url="mongodb://db", jwt_secret=STRONG[:31])

    def test_missing_jwt_secret(self) -> None:
        with pytest.raises(ValidationError, match="JWT_SECRET must be at least 32"):
            settings(app_env="production", mongodb_url="mongodb://db")

    @pytest.mark.parametrize(
        ("secret", "why"),
        [
            ("x" * 40, "fewer than 12 different characters"),
            ("abcdabcdabcdabcdabcdabcdabcdabcdabcd", "fewer than 12 different characters"),
            ("please-change-me-to-a-long-random-value-0123", "placeholder"),
            ("my-super-secret-jwt-key-for-the-support-api", "placeholder"),
        ],
    )
    def test_obviously_weak_jwt_secret(self, secret: str, why: str) -> None:
        with pytest.raises(ValidationError, match=why):
            settings(app_env="production", mongodb_url="mongodb://db", jwt_secret=secret)

    @pytest.mark.parametrize("password", ["short", "x" * 129])
    def test_admin_password_follows_the_users_rule(self, password: str) -> None:
        with pytest.raises(ValidationError, match="ADMIN_PASSWORD must be 8 to 128"):
            settings(admin_email="root@example.com", admin_password=password)

    def test_docs_default_off_in_production_on_in_development(self) -> None:
        assert settings().docs_on
        prod = settings(app_env="production", mongodb_url="mongodb://db", jwt_secret=STRONG)
        assert not prod.docs_on
        assert settings(
            app_env="production", mongodb_url="mongodb://db", jwt_secret=STRONG, docs_enabled=True
        ).docs_on

    def test_strong_config_accepted(self) -> None:
        ok = settings(app_env="production", mongodb_url="mongodb://db", jwt_secret=STRONG)
        assert ok.is_production

    @pytest.mark.parametrize(
        ("env", "expected"),
        [
            ({"MONGODB_URL": ""}, "MONGODB_URL must be set"),
            (
                {"MONGODB_URL": "mongodb://db", "JWT_SECRET": "short"},
                "JWT_SECRET must be at least 32",
            ),
        ],
    )
    def test_serve_exits_with_one_clear_line(
        self, tmp_path: Path, env: dict[str, str], expected: str
    ) -> None:
        clean = {k: v for k, v in os.environ.items() if k not in {"MONGODB_URL", "JWT_SECRET"}}
        result = subprocess.run(
            [sys.executable, "-m", "app", "serve", "--port", "1"],
            env={**clean, "APP_ENV": "production", **env},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("Configuration error:") and expected in lines[0]


class TestProductionOnOneNode:
    """Production may run on the embedded database (SecantusDB, reached with
    directConnection=true): accepted, with a warning at each start that it is a single node."""

    EMBEDDED_URL = "mongodb://127.0.0.1:27017/?directConnection=true"

    def single_node_warnings(self, caplog: pytest.LogCaptureFixture) -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == "app.config" and r.levelno == logging.WARNING
        ]

    def test_a_direct_connection_is_accepted_with_a_warning(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        ok = settings(app_env="production", mongodb_url=self.EMBEDDED_URL, jwt_secret=STRONG)
        assert ok.is_production
        [warning] = self.single_node_warnings(caplog)
        assert "single node" in warning and "no replication" in warning

    @pytest.mark.parametrize(
        ("env", "url"),
        [
            ("production", "mongodb://db1,db2,db3/?replicaSet=rs0"),
            ("production", "mongodb://db/?directConnection=false"),
            ("development", EMBEDDED_URL),
        ],
    )
    def test_no_warning_otherwise(
        self, caplog: pytest.LogCaptureFixture, env: str, url: str
    ) -> None:
        settings(app_env=env, mongodb_url=url, jwt_secret=STRONG)
        assert self.single_node_warnings(caplog) == []

    async def test_production_runs_its_transactions_on_the_embedded_database(
        self, client: httpx.AsyncClient, actors: Actors, app: FastAPI
    ) -> None:
        # The suite's app is in production mode on the test server (SecantusDB unless
        # TEST_MONGODB_URL names a MongoDB): a ticket and its event are one transaction.
        assert app.state.settings.is_production
        ticket = await create_ticket(client, actors.customer)
        timeline = await client.get(
            f"/api/support/tickets/{ticket['id']}/events/", headers=actors.customer.headers
        )
        assert [e["type"] for e in timeline.json()["events"]] == ["ticket.created"]


class TestDevelopmentSecret:
    def test_generated_once_and_kept(self, tmp_path: Path) -> None:
        first = settings(data_dir=tmp_path).with_dev_jwt_secret()
        second = settings(data_dir=tmp_path).with_dev_jwt_secret()
        assert first.jwt_key == second.jwt_key
        assert len(first.jwt_key) >= 32
        assert (tmp_path / "jwt_secret").stat().st_mode & 0o077 == 0

    def test_given_secret_wins(self, tmp_path: Path) -> None:
        given = settings(data_dir=tmp_path, jwt_secret="s" * 40).with_dev_jwt_secret()
        assert given.jwt_key == "s" * 40
        assert not (tmp_path / "jwt_secret").exists()


class TestParsing:
    def test_lists_from_comma_separated_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
        monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8,127.0.0.1")
        parsed = settings()
        assert parsed.cors_origins == ["https://a.example", "https://b.example"]
        assert [str(n) for n in parsed.trusted_proxies] == ["10.0.0.0/8", "127.0.0.1/32"]

    def test_refresh_cookie_origins_are_origins(self) -> None:
        listed = settings(refresh_cookie_origins="https://Support.example.com, http://h:8080/")
        assert listed.refresh_cookie_origins == ["https://support.example.com:443", "http://h:8080"]
        for bad in ("support.example.com", "https://x.example/app", "ftp://x.example"):
            with pytest.raises(ValidationError, match="is not an origin"):
                settings(refresh_cookie_origins=bad)

    def test_defaults(self) -> None:
        default = settings()
        assert default.app_env == "development"
        assert default.mongodb_db == "support"
        assert default.access_token_minutes == 30
        assert default.refresh_token_days == 7
