"""Prometheus metrics (`prometheus-client`), off unless METRICS_ENABLED: requests by route
template, method and status with latency histograms, database commands (PyMongo command
monitoring), throttle trips, webhook deliveries and queue age, open event streams.

Correct across `--workers`: `python -m app serve` points PROMETHEUS_MULTIPROC_DIR at a fresh
directory before the workers start, each worker writes its samples there, and /metrics (or the
separate METRICS_PORT) aggregates them all.
"""

import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from pymongo import monitoring
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("http_requests_total", "Requests answered", ["route", "method", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer, by route template",
    ["route", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DB_COMMANDS = Histogram(
    "db_command_duration_seconds",
    "MongoDB command latency",
    ["command"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
)
DB_ERRORS = Counter("db_command_errors_total", "MongoDB commands that failed", ["command"])
THROTTLE_TRIPS = Counter(
    "throttle_trips_total", "Refusals by a login/sign-up throttle", ["throttle"]
)
WEBHOOK_DELIVERIES = Counter(
    "webhook_delivery_attempts_total", "Webhook delivery attempts", ["outcome"]
)
WEBHOOK_QUEUE_AGE = Gauge(
    "webhook_queue_age_seconds",
    "Age of the oldest pending webhook delivery",
    multiprocess_mode="max",
)
OPEN_STREAMS = Gauge("event_streams_open", "Open event streams", multiprocess_mode="livesum")


class CommandMetrics(monitoring.CommandListener):
    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        DB_COMMANDS.labels(event.command_name).observe(event.duration_micros / 1e6)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        DB_COMMANDS.labels(event.command_name).observe(event.duration_micros / 1e6)
        DB_ERRORS.labels(event.command_name).inc()


def route_template(scope: Scope) -> str:
    """The matched route as a template (`/api/support/tickets/{ticket_id}/`), never the raw
    path: ids in labels would grow without bound. Unmatched requests share one label."""
    if scope.get("route") is None:
        return "unmatched"
    path: str = scope["path"]
    for name, value in (scope.get("path_params") or {}).items():
        path = path.replace(f"/{value}/", f"/{{{name}}}/", 1)
    return path


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            template = route_template(scope)
            REQUESTS.labels(template, scope["method"], str(status)).inc()
            LATENCY.labels(template, scope["method"]).observe(time.perf_counter() - started)


def registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
        return collected
    return DEFAULT_REGISTRY


async def metrics_endpoint(request: Request) -> Response:
    return Response(generate_latest(registry()), media_type=CONTENT_TYPE_LATEST)
