"""Settings: environment variables (and an optional `.env`), validated once at start."""

import secrets
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_JWT_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    app_env: Literal["development", "production"] = "development"
    mongodb_url: str | None = None
    mongodb_db: str = "support"
    # How long a request waits for an unreachable database before answering 503.
    mongodb_timeout_ms: int = Field(default=2000, ge=100, le=30000)
    data_dir: Path = Path(".data")
    jwt_secret: SecretStr | None = None
    access_token_minutes: float = Field(default=30, gt=0)
    refresh_token_days: float = Field(default=7, gt=0)
    admin_email: str | None = None
    admin_password: SecretStr | None = None
    cors_origins: Annotated[list[str], NoDecode] = []
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    login_max_failures: int = Field(default=5, ge=1)
    login_failure_window_minutes: float = Field(default=15, gt=0)
    registrations_per_hour: int = Field(default=20, ge=1)
    # Only these peers may set X-Forwarded-For (e.g. "10.0.0.0/8,127.0.0.1").
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = []

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [ip_network(p.strip(), strict=False) for p in value.split(",") if p.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _refuse_weak_production_config(self) -> Self:
        if self.app_env != "production":
            return self
        if not self.mongodb_url:
            raise ValueError("MONGODB_URL must be set when APP_ENV=production")
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if len(secret) < MIN_JWT_SECRET_LENGTH:
            raise ValueError(
                f"JWT_SECRET must be at least {MIN_JWT_SECRET_LENGTH} characters "
                "when APP_ENV=production"
            )
        return self

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    def with_dev_jwt_secret(self) -> "Settings":
        """In development a missing JWT_SECRET is generated once and kept under DATA_DIR,
        so tokens survive a restart. Production never reaches here without a secret."""
        if self.jwt_secret is not None:
            return self
        path = self.data_dir / "jwt_secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return self.model_copy(update={"jwt_secret": SecretStr(path.read_text().strip())})

    @property
    def jwt_key(self) -> str:
        assert self.jwt_secret is not None, "create_app() resolves the secret first"
        return self.jwt_secret.get_secret_value()


@lru_cache
def get_settings() -> Settings:
    return Settings()
