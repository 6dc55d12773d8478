"""Structured logging: one JSON object per line, so control characters are always escaped."""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# What every record logged while a request is served carries: request_id, client (the
# address) and, once authenticated, user_id. Set by RequestContextMiddleware; a dict so
# that a dependency deeper in the request can add the caller to it.
request_context: ContextVar[dict[str, str] | None] = ContextVar("request_context", default=None)

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged as a field.
# (uvicorn's color_message repeats the message with terminal colour codes.)
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["trace"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class ConsoleFormatter(logging.Formatter):
    """`10:30:00 INFO  app.request  request  method=GET path=/api/... status=200`: the JSON
    record's fields, for a terminal. Control characters stay escaped."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        extra = " ".join(f"{k}={_escaped(v)}" for k, v in fields.items())
        line = (
            f"{datetime.fromtimestamp(record.created):%H:%M:%S} {record.levelname:<7} "
            f"{record.name:<14} {_escaped(record.getMessage())}  {extra}"
        ).rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _escaped(value: object) -> str:
    return json.dumps(str(value))[1:-1]


# `python -m app serve` sets this in development: the start ends with a short banner.
BANNER_VARIABLE = "SUPPORT_API_BANNER_URL"


def start_banner(settings: Any, url: str, created_admin: tuple[str, str] | None) -> str:
    lines = [
        "",
        f"  Customer Support API is running ({settings.app_env})",
        f"  Console    {url}/app/",
        f"  API        {url}/api/",
        f"  Docs       {url}/docs" if settings.docs_on else "  Docs       off (DOCS_ENABLED)",
        f"  Data       {settings.data_dir.resolve()}"
        + ("" if settings.mongodb_url else "  (embedded database)"),
    ]
    if created_admin is not None:
        email, password = created_admin
        lines.append(f"  Admin      {email} / {password}   (shown once)")
    return "\n".join([*lines, ""])


security_log = logging.getLogger("app.security")


def security_event(event: str, *, level: int = logging.INFO, **fields: str) -> None:
    """One structured record on the `app.security` logger: `event` names what happened; the
    request's context adds the client address and the caller."""
    security_log.log(level, event.replace("_", " "), extra={"event": event, **fields})


def set_request_caller(user_id: str) -> None:
    context = request_context.get()
    if context is not None:
        context["user_id"] = user_id


_base_factory = logging.getLogRecordFactory()


def _record_with_request_context(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    for key, value in (request_context.get() or {}).items():
        record.__dict__.setdefault(key, value)
    return record


def configure_logging(level: str, style: str = "json") -> None:
    """Adds one handler to the root logger (once; handlers others installed stay): JSON, or
    for people in development one readable line per record; and the request's context to
    every record."""
    logging.setLogRecordFactory(_record_with_request_context)
    root = logging.getLogger()
    ours = (JsonFormatter, ConsoleFormatter)
    if not any(isinstance(h.formatter, ours) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(ConsoleFormatter() if style == "console" else JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's access log would repeat our request line without the request id.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
