"""Settings: environment variables (and an optional `.env`), validated once at start."""

import logging
import os
import secrets
from datetime import timedelta
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import parse_qsl, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_JWT_SECRET_LENGTH = 32
MIN_JWT_SECRET_DISTINCT = 12
# Words that give away a secret copied from an example or left at a placeholder.
PLACEHOLDER_WORDS = ("change", "secret", "example", "placeholder", "default", "password", "jwt")
PASSWORD_MIN, PASSWORD_MAX = 8, 128  # users' and ADMIN_PASSWORD's rule alike
SINGLE_NODE_WARNING = (
    "MONGODB_URL has directConnection=true: production runs on that one server, a single "
    "node with no replication and no failover (its disk holds the only copy of the data). "
    "It must run transactions: SecantusDB does, and so does a MongoDB replica-set member."
)

log = logging.getLogger("app.config")


def connects_to_one_node(url: str) -> bool:
    """`directConnection=true` (how the embedded SecantusDB is reached): the driver talks to
    that server alone, whatever replica set it belongs to."""
    options = {k.lower(): v.lower() for k, v in parse_qsl(url.partition("?")[2])}
    return options.get("directconnection") == "true"


DEFAULT_PORTS = {"http": 80, "https": 443}


def web_origin(url: str) -> str | None:
    """`scheme://host:port` (port always written, host lower-cased) of an http(s) URL, so two
    spellings of one origin compare equal; None for anything else (`null`, other schemes)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.hostname}:{port or DEFAULT_PORTS[parts.scheme]}"


def jwt_secret_weakness(secret: str) -> str | None:
    """Why a production JWT secret is obviously weak, or None."""
    if len(secret) < MIN_JWT_SECRET_LENGTH:
        return f"must be at least {MIN_JWT_SECRET_LENGTH} characters"
    if len(set(secret)) < MIN_JWT_SECRET_DISTINCT:
        return f"has fewer than {MIN_JWT_SECRET_DISTINCT} different characters"
    lowered = secret.lower()
    if any(word in lowered for word in PLACEHOLDER_WORDS):
        return "looks like a placeholder"
    return None


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
    # Pages that may use the refresh cookie besides the API's own origin (e.g. the public
    # https origin when a proxy ends TLS and the app sees http).
    refresh_cookie_origins: Annotated[list[str], NoDecode] = []
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    docs_enabled: bool | None = None  # /docs, /redoc, /openapi.json; default: not in production

    # JSON bodies are small (the largest valid request is under 16 KiB).
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Requests whose request line and headers exceed this get 431 (python -m app serve).
    max_header_bytes: int = Field(default=16 * 1024, ge=4096)
    login_max_failures: int = Field(default=5, ge=1)  # per (address, email)
    login_failure_window_minutes: float = Field(default=15, gt=0)
    login_address_max_failures: int = Field(default=20, ge=1)  # per address, any email
    login_account_max_failures: int = Field(default=50, ge=1)  # per email, any address
    login_account_window_minutes: float = Field(default=60, gt=0)
    registrations_per_hour: int = Field(default=20, ge=1)
    # Attachments: bytes per file, files per ticket, pixels per image, image decodes at once.
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_attachments_per_ticket: int = Field(default=20, ge=1)
    max_image_pixels: int = Field(default=50_000_000, ge=1_000_000)
    image_concurrency: int = Field(default=os.cpu_count() or 2, ge=1, le=64)
    # Events are numbered after commit by one sequencer (app/events/sequencer.py), run by any
    # `serve` instance that has it on (a lease picks one) or by `python -m app worker`.
    event_sequencer_in_api: bool = True
    event_sequencer_lease_seconds: float = Field(default=10, gt=0, le=300)
    # A write returns once its events are numbered (read-your-writes), waiting at most this.
    event_write_wait_seconds: float = Field(default=2, ge=0, le=30)
    # The live event stream: how soon a worker retries watching for new events after a
    # database outage, the heartbeat, limits.
    event_poll_seconds: float = Field(default=0.5, gt=0, le=10)
    stream_heartbeat_seconds: float = Field(default=15, gt=0)
    # A stream ends after this; EventSource reconnects at once and resumes (Last-Event-ID),
    # and the reconnection is authorised again.
    stream_max_seconds: float = Field(default=3600, gt=0)
    stream_max_per_user: int = Field(default=5, ge=1)
    stream_max_per_worker: int = Field(default=200, ge=1)
    # Webhooks: plain http and private addresses only when allowed (development, tests).
    webhook_allow_private: bool = False
    webhook_retry_seconds: Annotated[list[float], NoDecode] = [5, 30, 120, 600, 3600, 21600]
    webhook_timeout_seconds: float = Field(default=10, gt=0, le=60)
    webhook_disable_after_hours: float = Field(default=24, gt=0)
    webhook_poll_seconds: float = Field(default=1, gt=0, le=60)
    # Run the deliverer inside `serve` (one task per instance; leases coordinate them). Off
    # when deliveries run in `python -m app worker` instead.
    webhook_deliverer_in_api: bool = True
    # SLA: a running deadline this close is "at risk"; how often the breach sweeper looks, and
    # whether the API processes run it (else `python -m app worker` does).
    sla_at_risk_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    sla_sweep_seconds: float = Field(default=30.0, gt=0, le=60)
    sla_sweeper_in_api: bool = True
    # console: one readable line per record (development's default); json: production's
    log_format: Literal["console", "json"] | None = None
    # /metrics in the Prometheus format; on METRICS_PORT instead of the API's port if set.
    metrics_enabled: bool = False
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Requests per minute per user (authenticated) and per address (anonymous), counted in
    # MongoDB: the limit holds across every worker and instance.
    # 0: no limit (no database write per request).
    rate_limit_per_user: int = Field(default=600, ge=0)
    rate_limit_per_address: int = Field(default=300, ge=0)
    # Where integrators reach the API, for the OpenAPI document's `servers` (comma list).
    public_urls: Annotated[list[str], NoDecode] = []
    # Concurrent argon2 hashes per worker (64 MiB each), and how long a login waits for one.
    password_hash_concurrency: int = Field(default=os.cpu_count() or 2, ge=1, le=64)
    password_hash_wait_seconds: float = Field(default=2.0, gt=0, le=60)
    # Only these peers may set X-Forwarded-For (e.g. "10.0.0.0/8,127.0.0.1").
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = []
    # E-mail (docs/email.md). SMTP_URL: smtp://[user:pass@]host[:port] (STARTTLS when offered,
    # required with credentials) or smtps:// (implicit TLS); unset: development writes .eml
    # files under DATA_DIR/mail, production sends nothing (with a warning).
    smtp_url: SecretStr | None = None
    mail_from: str = "Support <support@localhost>"
    # Where replies go, plus-addressed per message (support+<token>@...); MAIL_FROM's address
    # when unset.
    mail_reply_address: str | None = None
    # The bearer secret of POST /api/inbound/email/ (unset: the endpoint refuses every call).
    inbound_email_secret: SecretStr | None = None
    inbound_unknown_senders: Literal["quarantine", "create_customer"] = "quarantine"
    # The outbox (app/mail/delivery.py): run by `serve` unless MAIL_DELIVERER_IN_API=false
    # (then by `python -m app worker`); retries of a temporary failure; one attempt's limit.
    mail_deliverer_in_api: bool = True
    mail_retry_seconds: Annotated[list[float], NoDecode] = [60, 300, 1800, 7200, 21600]
    mail_timeout_seconds: float = Field(default=30, gt=0, le=300)
    mail_poll_seconds: float = Field(default=2, gt=0, le=60)
    # Mail from one sender beyond this many in 10 minutes is quarantined (counted in MongoDB
    # on the database server's clock: the limit holds across every instance).
    inbound_flood_per_10_minutes: int = Field(default=20, ge=1)

    @field_validator("smtp_url", mode="after")
    @classmethod
    def _check_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parts = urlsplit(value.get_secret_value())
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                raise ValueError("SMTP_URL must be smtp://[user:password@]host[:port] or smtps://")
        return value

    @field_validator("cors_origins", "public_urls", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("refresh_cookie_origins", mode="before")
    @classmethod
    def _parse_cookie_origins(cls, value: object) -> object:
        entries = value.split(",") if isinstance(value, str) else value
        if not isinstance(entries, list):
            return value
        origins = []
        for entry in filter(None, (str(part).strip() for part in entries)):
            origin = web_origin(entry)
            if origin is None or urlsplit(entry).path not in ("", "/"):
                raise ValueError(f"{entry!r} is not an origin (scheme://host[:port])")
            origins.append(origin)
        return origins

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [ip_network(p.strip(), strict=False) for p in value.split(",") if p.strip()]
        return value

    @field_validator("webhook_retry_seconds", "mail_retry_seconds", mode="before")
    @classmethod
    def _split_retries(cls, value: object) -> object:
        if isinstance(value, str):
            return [float(part) for part in value.split(",") if part.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _refuse_weak_config(self) -> Self:
        if self.admin_password is not None:
            length = len(self.admin_password.get_secret_value())
            if not PASSWORD_MIN <= length <= PASSWORD_MAX:
                raise ValueError(
                    f"ADMIN_PASSWORD must be {PASSWORD_MIN} to {PASSWORD_MAX} characters, "
                    "like every user's password"
                )
        if self.app_env != "production":
            return self
        if not self.mongodb_url:
            raise ValueError("MONGODB_URL must be set when APP_ENV=production")
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if weakness := jwt_secret_weakness(secret):
            raise ValueError(f"JWT_SECRET {weakness} when APP_ENV=production")
        if connects_to_one_node(self.mongodb_url):
            log.warning(SINGLE_NODE_WARNING)  # supported, with its limits said at each start
        return self

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def log_style(self) -> str:
        return self.log_format or ("json" if self.is_production else "console")

    @property
    def openapi_servers(self) -> list[dict[str, str]] | None:
        return [{"url": url} for url in self.public_urls] if self.public_urls else None

    @property
    def sla_at_risk(self) -> timedelta:
        return timedelta(minutes=self.sla_at_risk_minutes)

    @property
    def docs_on(self) -> bool:
        return self.docs_enabled if self.docs_enabled is not None else not self.is_production

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
