"""The OpenAPI document as integrators need it: short operationIds, ordered and described tags,
`security: []` on public operations, an example for every request and response body (made from
the schemas, with realistic values, never "string"), both 400 shapes, our error statuses
instead of the framework's 422, the `Idempotency-Key` header where the middleware honours it,
and a relative server when no public URL is configured."""

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from app.core import idempotency
from app.core.schemas import ID_EXAMPLE

TAGS = [
    {"name": "auth", "description": "Sign up, sign in, tokens and the caller's profile"},
    {"name": "tickets", "description": "Tickets: create, list, filter, search, work, rate"},
    {"name": "replies", "description": "The public conversation of a ticket"},
    {"name": "canned responses", "description": "Saved replies staff insert (templates)"},
    {"name": "macros", "description": "Saved sets of actions staff apply to a ticket at once"},
    {"name": "attachments", "description": "Files on tickets, replies and notes"},
    {"name": "events", "description": "Timeline, feed and live stream of changes"},
    {"name": "faq", "description": "Public answers to common questions; admins edit them"},
    {"name": "accounts", "description": "Agent approval, user (de)activation (admins)"},
    {"name": "assignment", "description": "Auto-assignment: settings and agents' availability"},
    {"name": "mail", "description": "E-mail: notification settings, the outbox, unsubscribing"},
    {"name": "sla", "description": "The SLA policy: targets and business calendar (admins)"},
    {"name": "reports", "description": "Figures on the work and on satisfaction"},
    {"name": "webhooks", "description": "Signed HTTP callbacks for integrators (admins)"},
    {"name": "mail", "description": "E-mail in: replies and new tickets by mail, quarantine"},
    {"name": "health", "description": "Liveness and readiness probes"},
]
CONTACT = {"name": "Customer Support API maintainers", "url": "https://example.com/support-api"}
LICENSE = {"name": "MIT", "identifier": "MIT"}
OPERATION_ID = re.compile(r"^[a-z][a-zA-Z0-9]{2,40}$")

# Example values by field name, then by format and type: what a real answer holds.
_BY_NAME: dict[str, Any] = {
    "email": "ann@example.com",
    "password": "correct-horse-battery",
    "name": "Ann Smith",
    "subject": "Package arrived damaged",
    "description": "The box was crushed and the vase inside is broken.",
    "delivery_id": "DLV-123456",
    "note": "Called the carrier; claim opened.",
    "body": "Sorry about that, a replacement is on its way.",
    "comment": "Quick and friendly.",
    "question": "Where is my parcel?",
    "answer": "Track it from the link in your confirmation email.",
    "message": "Support ticket created successfully",
    "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI2NWExIn0.sig",
    "refresh_token": "eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJhYmMifQ.sig",
    "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI2NWExIn0.sig",
    "next_cursor": None,
    "cursor": "MjAyNi0wMS0wOVQxMDozMDowMC4wMDBafDY1YTE",
    "url": "https://crm.example.com/hooks/support",
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "filename": "receipt.pdf",
    "content_type": "application/pdf",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "timezone": "Europe/Paris",
    "label": "Ann Smith",
    "key": "65a1b2c3d4e5f6a7b8c9d0e2",
}
TIME_EXAMPLE = "2026-01-09T10:30:00Z"


def operation_id(route: APIRoute) -> str:
    """`create_ticket` -> `createTicket`: the handler's name, which says the domain verb."""
    head, *rest = route.name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def example_of(
    schema: dict[str, Any], components: dict[str, Any], name: str = "", depth: int = 0
) -> Any:
    schema = _resolve(schema, components)
    if "example" in schema:
        return schema["example"]
    if "examples" in schema and isinstance(schema["examples"], list) and schema["examples"]:
        return schema["examples"][0]
    if depth > 8:
        return None
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(s, components).get("type") != "null"]
            return example_of(options[0], components, name, depth + 1) if options else None
    if "allOf" in schema:
        return example_of(schema["allOf"][0], components, name, depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        if not properties and isinstance(schema.get("additionalProperties"), dict):
            return {
                "Damaged": example_of(schema["additionalProperties"], components, "", depth + 1)
            }
        return {
            field: example_of(sub, components, field, depth + 1)
            for field, sub in properties.items()
        }
    if kind == "array":
        item = example_of(schema.get("items", {}), components, name.rstrip("s"), depth + 1)
        return [] if item is None else [item]
    if name in _BY_NAME:
        return _BY_NAME[name]
    if kind == "string":
        if schema.get("format") == "date-time" or name.endswith("_at"):
            return TIME_EXAMPLE
        if schema.get("format") == "date":
            return "2026-12-25"
        if name == "id" or name.endswith("_id") or schema.get("pattern") == "^[0-9a-f]{24}$":
            return ID_EXAMPLE
        return name.replace("_", " ").capitalize() or "text"
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return 4.5
    if kind == "boolean":
        return True
    return None


BAD_REQUEST_EXAMPLES = {
    "field errors": {"value": {"subject": ["This field is required."]}},
    "not JSON": {"value": {"non_field_errors": ["Malformed JSON: Expecting value."]}},
    "error": {"value": {"error": "This ticket is closed; please open a new ticket",
                        "code": "ticket_closed"}},
}  # fmt: skip


SSE_EXAMPLE = (
    'id: 42\nevent: ticket.status_changed\ndata: {"id": "42", "type": '
    '"ticket.status_changed", "ticket_id": "65a1b2c3d4e5f6a7b8c9d0e1"}\n\n'
)
CSV_EXAMPLE = "key,label,created,resolved,closed,reopened,backlog\nDamaged,Damaged,4,2,0,1,3\n"


def _header(description: str, example: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}, "example": example}


COMMON_HEADERS = {
    "X-Request-ID": _header(
        "The request's id (yours if you sent a safe one), in every log line about it",
        "3f9c2b7e8a1d4c6f9e0b1a2c3d4e5f60",
    ),
    "RateLimit-Policy": _header(
        "The caller's request limit (IETF httpapi draft)", '"user";q=600;w=60'
    ),
    "RateLimit": _header(
        "Requests left in the window and seconds until it resets", '"user";r=599;t=42'
    ),
}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again",
    "schema": {"type": "integer"},
    "example": 30,
}
ERROR_EXAMPLES = {
    "401": {"error": "Authentication credentials were not provided", "code": "not_authenticated"},
    "403": {"error": "You can only view your own tickets", "code": "permission_denied"},
    "404": {"error": "Ticket not found", "code": "not_found"},
    "409": {"error": "The ticket was changed by someone else; reload it and try again",
            "code": "changed_concurrently"},
    "412": {"error": "The ticket has changed since you read it; reload it and try again",
            "code": "precondition_failed"},
    "413": {"error": "Request body too large", "code": "payload_too_large"},
    "422": {"error": "This Idempotency-Key was used with another request",
            "code": "idempotency_key_reused"},
    "429": {"error": "Too many requests; try again later", "code": "rate_limited"},
    "503": {"error": "Service temporarily unavailable", "code": "service_unavailable"},
}  # fmt: skip


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retry safely: within 24 hours the same key and body from the same caller "
    "replay the first answer (`Idempotent-Replayed: true`) without a second write; the same "
    "key with another body is 422 (`idempotency_key_reused`), a retry while the first is "
    "still running 409 (`idempotency_key_in_flight`)",
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH},
    "example": "7b0c1e52-3f2d-4c8a-9a51-2f0d6f1c9e44",
}
IDEMPOTENT_REPLAYED = _header(
    "`true` when this is the stored answer to an earlier request with the same key", "true"
)
IDEMPOTENCY_ERRORS = {
    "400": ("BadRequestOut", "Idempotency-Key is not 1 to 255 characters"),
    "409": ("ErrorOut", "A request with this key is still running (`idempotency_key_in_flight`)"),
    "422": ("ErrorOut", "This key was used with another body (`idempotency_key_reused`)"),
}


def honours_idempotency_key(path: str, method: str) -> bool:
    """What app/core/idempotency.py keys: every POST but sign-in and token operations."""
    return method == "post" and path not in idempotency.NOT_KEYED


def _declare_idempotency_key(operation: dict[str, Any]) -> None:
    operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    answers = operation["responses"]
    for status, (model, description) in IDEMPOTENCY_ERRORS.items():
        content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}
        answers.setdefault(status, {"description": description, "content": content})
    for status, response in answers.items():
        if status.startswith("2"):
            response.setdefault("headers", {})["Idempotent-Replayed"] = IDEMPOTENT_REPLAYED


def build_openapi(app: FastAPI, *, servers: list[dict[str, str]] | None = None) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=TAGS,
        servers=servers or [{"url": "/"}],  # the host that served the document
        contact=CONTACT,
        license_info=LICENSE,
    )
    components = schema.get("components", {}).get("schemas", {})
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            operation["responses"].pop("422", None)
            if honours_idempotency_key(path, method):
                _declare_idempotency_key(operation)
            operation.setdefault("description", operation.get("summary", ""))
            operation.setdefault("security", [])  # no bearer dependency: public
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                if "schema" in media and "example" not in media:
                    media["example"] = example_of(media["schema"], components)
            for status, response in operation["responses"].items():
                headers = response.setdefault("headers", {})
                headers.update(COMMON_HEADERS)
                if status in ("429", "503"):
                    headers["Retry-After"] = RETRY_AFTER
                for media_type, media in response.get("content", {}).items():
                    if media_type == "application/octet-stream":
                        media.setdefault("schema", {"type": "string", "format": "binary"})
                    elif media_type == "text/csv":
                        media["example"] = CSV_EXAMPLE
                    elif media_type == "text/event-stream":
                        media["example"] = SSE_EXAMPLE
                    elif status == "400" and media_type == "application/json":
                        media["examples"] = BAD_REQUEST_EXAMPLES
                    elif status in ERROR_EXAMPLES:
                        media["example"] = ERROR_EXAMPLES[status]
                    elif "schema" in media and "example" not in media:
                        media["example"] = example_of(media["schema"], components)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema
