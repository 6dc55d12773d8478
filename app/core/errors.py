"""One error tree, and the handlers that write the API reference's error shapes.

- 400 validation: ``{"field_name": ["message", ...]}`` (dotted paths for nested fields,
  ``non_field_errors`` for the body as a whole);
- everything else: ``{"error": "message", "code": "stable_code"}`` (`error_body`, the one
  place that shape is built): the message is the reference's text, the code is for programs
  (ERROR_CODES lists them; the README too).

Each operation documents its errors with `responses(...)`, the one place they are declared.
"""

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, RootModel
from pymongo.errors import ConnectionFailure, ExecutionTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("app.errors")

NON_FIELD_ERRORS = "non_field_errors"
DB_RETRY_AFTER_SECONDS = 5


# The code of an error that has no more specific one, by status.
CODE_OF_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    422: "unprocessable",
    429: "rate_limited",
    431: "headers_too_large",
    500: "internal_error",
    503: "service_unavailable",
}
# Every code a body can carry: the statuses' own and the specific ones.
ERROR_CODES: dict[str, str] = {
    **{code: f"HTTP {status}" for status, code in CODE_OF_STATUS.items()},
    "ticket_already_assigned": "assign-self on a ticket that has an agent",
    "ticket_closed": "any change to a Closed ticket",
    "ticket_resolved": "assigning a Resolved ticket before reopening it",
    "feedback_already_submitted": "a second feedback for a ticket",
    "feedback_not_allowed_yet": "feedback before the ticket is resolved",
    "attachment_limit_reached": "a ticket's attachments are full",
    "changed_concurrently": "409: the ticket changed since it was read",
    "ticket_merged": "merging a Closed or already merged ticket; feedback on a merged one",
    "merge_different_customers": "merging tickets of different customers",
    "token_expired": "401: the access token has expired",
    "invalid_credentials": "401: wrong email or password",
    "origin_not_allowed": "403: the refresh cookie used without a same-origin Origin header",
    "cannot_deactivate_self": "an admin deactivating their own account",
    "idempotency_key_reused": "422: the same Idempotency-Key with another body",
    "idempotency_key_in_flight": "409: the first request with this key is still running",
    "canned_shortcut_taken": "409: the owner has a canned response with this shortcut",
    "canned_response_limit_reached": "an owner's canned responses are full",
    "survey_expired": "410: rating by a survey link after the survey closed (14 days)",
}


def error_body(message: str, code: str | None = None, status: int = 400) -> dict[str, str]:
    return {"error": message, "code": code or CODE_OF_STATUS.get(status, "error")}


class ErrorOut(BaseModel):
    error: str = Field(description="The reference's message, for people")
    code: str = Field(
        description="Stable, for programs: see the README's list",
        json_schema_extra={"enum": list(ERROR_CODES)},
    )


class BadRequestOut(RootModel[ErrorOut | dict[str, list[str]]]):
    """Either ``{"error": ...}`` or field name (dotted when nested) -> messages."""


class AppError(Exception):
    status_code = 500

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        headers: dict[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.headers = headers or {}
        self.code = code
        assert code is None or code in ERROR_CODES, code

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.code, self.status_code)


class BadRequest(AppError):
    status_code = 400


class FieldError(BadRequest):
    """A 400 about one field, in the validation shape: ``{field: [message]}``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def body(self) -> dict[str, Any]:
        return {self.field: [self.message]}


class NotAuthenticated(AppError):
    status_code = 401

    def __init__(
        self, message: str = "Authentication credentials were not provided", code: str | None = None
    ) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"}, code=code)


class PermissionDenied(AppError):
    status_code = 403


class NotFound(AppError):
    status_code = 404


class Conflict(AppError):
    status_code = 409


class TooManyRequests(AppError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})


def error_response(
    status_code: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        error_body(message, status=status_code), status_code=status_code, headers=headers
    )


def _field_name(loc: Sequence[int | str]) -> str:
    # loc is ("body" | "query" | "path" | "header", field, nested...); the source is not a field.
    parts = [str(part) for part in loc[1:]]
    return ".".join(parts) if parts else NON_FIELD_ERRORS


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "Request body is required." if len(error["loc"]) == 1 else "This field is required."
    if kind == "extra_forbidden":
        return "Unknown field."
    if kind == "json_invalid":
        return f"Malformed JSON: {error.get('ctx', {}).get('error', 'cannot be parsed')}."
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


# A body of thousands of unknown keys gets a short answer, not one message per key.
MAX_REPORTED_ERRORS = 20


def validation_errors_to_fields(errors: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors[:MAX_REPORTED_ERRORS]:
        loc = error["loc"]
        name = NON_FIELD_ERRORS if error["type"] == "json_invalid" else _field_name(loc)
        message = _message(error)
        if message not in fields.setdefault(name, []):
            fields[name].append(message)
    if len(errors) > MAX_REPORTED_ERRORS:
        more = f"{len(errors) - MAX_REPORTED_ERRORS} more errors not shown."
        fields.setdefault(NON_FIELD_ERRORS, []).append(more)
    return fields


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(validation_errors_to_fields(exc.errors()), status_code=400)


_HTTP_MESSAGES = {
    400: "Bad request",
    401: "Authentication credentials were not provided",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
}


def _http_message(exc: StarletteHTTPException) -> str:
    """A message a handler chose (`HTTPException(404, "Ticket not found")`) is kept; the
    framework's default phrase ("Not Found") is replaced by ours."""
    detail = exc.detail
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = ""
    if isinstance(detail, str) and detail and detail != phrase:
        return detail
    return _HTTP_MESSAGES.get(exc.status_code, phrase or "Error")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    # Framework errors (unknown route, wrong method, body limit) in the same shape.
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, _http_message(exc), dict(exc.headers or {}))


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable: %s", type(exc).__name__)
    return error_response(
        503,
        "Service temporarily unavailable",
        {"Retry-After": str(DB_RETRY_AFTER_SECONDS)},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ConnectionFailure, _database_unavailable)
    app.add_exception_handler(ExecutionTimeout, _database_unavailable)  # a bounded wait ran out


_DESCRIPTIONS = {
    400: "Bad request: `{field: [messages]}` or `{error}`",
    401: "Missing, invalid or expired token",
    403: "Forbidden for this caller",
    404: "Not found",
    409: "Changed concurrently; reload and retry",
    410: "Gone: no longer open",
    412: "If-Match names an older version (`precondition_failed`): reload and retry",
    413: "Request body too large",
    429: "Too many requests",
    503: "Database unavailable",
}


def responses(*codes: int, database: bool = True) -> dict[int | str, dict[str, Any]]:
    """The documented error responses of an operation, for ``responses=``. Every operation
    that reads the database may also answer 503 while it is unreachable."""
    documented: dict[int | str, dict[str, Any]] = {}
    for code in (*codes, 503) if database else codes:
        model = BadRequestOut if code == 400 else ErrorOut
        documented[code] = {"model": model, "description": _DESCRIPTIONS[code]}
    return documented
