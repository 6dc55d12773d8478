"""Issue 14, metrics: /metrics in the Prometheus format when METRICS_ENABLED, off otherwise.
(Across two workers: tests/core/test_serve.py.)"""

import httpx

from tests.conftest import AppFactory
from tests.factories import make_actors


async def test_off_by_default(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 404


async def test_requests_database_and_throttles(app_with: AppFactory) -> None:
    application, client = await app_with(metrics_enabled=True, login_max_failures=1)
    actors = await make_actors(application.state.db, application.state.settings)
    ticket = await client.get(f"/api/support/tickets/{'0' * 24}/", headers=actors.admin.headers)
    assert ticket.status_code == 404
    for _ in range(3):
        await client.post(
            "/api/auth/login/", json={"email": "x@example.com", "password": "nopenope"}
        )
    scraped = await client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert (
        'http_requests_total{method="GET",route="/api/support/tickets/{ticket_id}/",status="404"}'
        in text
    )
    assert 'http_request_duration_seconds_bucket{le="0.002",method="GET"' in text
    assert 'db_command_duration_seconds_count{command="find"}' in text
    assert "throttle_trips_total{" in text
    assert "event_streams_open" in text and "webhook_delivery_attempts_total" in text
