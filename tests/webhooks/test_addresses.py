"""Where a webhook may point (app/webhooks/addresses.py): globally routable addresses only,
valid DNS names, checked again before every attempt, which connects to exactly the address
it checked. The tests have no internet: a request to a public address fails at once."""

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI

from app.core.clock import utcnow
from app.webhooks.addresses import AddressNotAllowed, check_url
from app.webhooks.delivery import deliver_due, dispatch
from tests.conftest import AppFactory
from tests.factories import Actors, create_ticket, make_actors

PUBLIC = "93.184.216.34"
LONG_LABEL = "a" * 64
LONG_NAME = ".".join(["a" * 63] * 4) + ".com"  # 259 characters


async def admin_app(app_with: AppFactory, **settings: Any) -> tuple[httpx.AsyncClient, Actors]:
    application, client = await app_with(**settings)
    return client, await make_actors(application.state.db, application.state.settings)


async def register(client: httpx.AsyncClient, actors: Actors, url: str) -> httpx.Response:
    return await client.post(
        "/api/admin/webhooks/", json={"url": url}, headers=actors.admin.headers
    )


class TestOnlyGloballyRoutableAddresses:
    @pytest.mark.parametrize(
        "url",
        [
            "https://100.64.0.1/hook",  # shared address space (carrier-grade NAT)
            "https://192.0.0.200/hook",  # IETF protocol assignments
            "https://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
            "https://[2002:a00:5::]/hook",  # 6to4 of 10.0.0.5
            "https://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
            "https://[64:ff9b:1::808:808]/hook",  # local-use NAT64
            "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  # Teredo, client 192.0.2.45
            "https://[::ffff:7f00:1]/hook",  # IPv4-mapped 127.0.0.1
            "https://[::7f00:1]/hook",  # IPv4-compatible 127.0.0.1
            "https://[fec0::1]/hook",  # site-local
            "https://[ff02::1]/hook",  # multicast
            "https://224.0.0.1/hook",
        ],
    )
    async def test_refused(self, url: str) -> None:
        with pytest.raises(AddressNotAllowed, match="private or reserved"):
            await check_url(url, allow_private=False)

    @pytest.mark.parametrize(
        "url",
        [
            "https://8.8.8.8/hook",
            "https://[2606:4700:4700::1111]/hook",
            "https://[2002:808:808::]/hook",  # 6to4 of a public address
            "https://[64:ff9b::808:808]/hook",  # NAT64 of a public address (IPv6-only hosts)
            "https://[::ffff:808:808]/hook",  # IPv4-mapped public address
        ],
    )
    async def test_public_addresses_are_accepted(self, url: str) -> None:
        await check_url(url, allow_private=False)

    @pytest.mark.parametrize("url", ["https://100.64.0.1/hook", "https://[2002:7f00:1::]/"])
    async def test_refused_at_registration(self, app_with: AppFactory, url: str) -> None:
        client, actors = await admin_app(app_with, webhook_allow_private=False)
        response = await register(client, actors, url)
        assert response.status_code == 400
        assert response.json() == {"url": ["The host resolves to a private or reserved address."]}


class TestHostNames:
    """A name no DNS could hold is a 400 on the field, never a 500."""

    @pytest.mark.parametrize(
        "url",
        [
            "https://a..example.com/hook",
            f"https://{LONG_LABEL}.example.com/hook",
            f"https://{LONG_NAME}/hook",
            "https://.example.com/hook",
            "https://exa mple.com/hook",
        ],
    )
    @pytest.mark.parametrize("allow_private", [False, True])
    async def test_refused_on_create_and_patch(
        self, app_with: AppFactory, url: str, allow_private: bool
    ) -> None:
        client, actors = await admin_app(app_with, webhook_allow_private=allow_private)
        created = await register(client, actors, f"https://{PUBLIC}/hook")
        assert created.status_code == 201
        expected = {"url": ["The URL's host name is not a valid DNS name."]}
        response = await register(client, actors, url)
        assert (response.status_code, response.json()) == (400, expected)
        patched = await client.patch(
            f"/api/admin/webhooks/{created.json()['webhook']['id']}/",
            json={"url": url},
            headers=actors.admin.headers,
        )
        assert (patched.status_code, patched.json()) == (400, expected)

    async def test_a_fully_qualified_name_and_the_longest_labels_are_accepted(self) -> None:
        await check_url(f"http://{'a' * 63}.example.com./hook", allow_private=True)


class TestTheSettingThatAllowsPrivateAddresses:
    @pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "http://8.8.8.8/hook"])
    async def test_named_in_development(self, app_with: AppFactory, url: str) -> None:
        client, actors = await admin_app(
            app_with, app_env="development", webhook_allow_private=False
        )
        response = await register(client, actors, url)
        assert response.status_code == 400
        assert "WEBHOOK_ALLOW_PRIVATE=true" in response.json()["url"][0]

    async def test_not_advertised_in_production(self, app_with: AppFactory) -> None:
        client, actors = await admin_app(app_with, webhook_allow_private=False)
        response = await register(client, actors, "https://127.0.0.1/hook")
        assert response.status_code == 400
        assert "WEBHOOK_ALLOW_PRIVATE" not in response.json()["url"][0]

    async def test_not_named_for_what_it_does_not_allow(self, app_with: AppFactory) -> None:
        client, actors = await admin_app(
            app_with, app_env="development", webhook_allow_private=False
        )
        response = await register(client, actors, "https://user:pw@example.com/hook")
        assert response.json() == {"url": ["The URL must not carry credentials."]}


class NoInternet(httpx.AsyncBaseTransport):
    """The tests' network: a request to a public address is recorded and fails at once, as
    an unreachable one would; any other goes out (a name resolved by the event loop)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.refused: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            public = not ipaddress.ip_address(request.url.host).is_loopback
        except ValueError:
            public = False
        if public:
            self.refused.append(request)
            raise httpx.ConnectError("unreachable from the tests", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def rebinding_dns(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[str]]:
    """`rebind.test` resolves to a public address twice (the registration's check, the first
    attempt's), then to 127.0.0.1, for whoever asks the event loop: the webhook's checks and
    the HTTP client alike. Yields the answers given."""
    loop = asyncio.get_running_loop()
    system = loop.getaddrinfo
    answers: list[str] = []

    async def getaddrinfo(host: Any, port: Any, **kwargs: Any) -> Any:
        if host not in ("rebind.test", b"rebind.test"):
            return await system(host, port, **kwargs)
        answers.append(PUBLIC if len(answers) < 2 else "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[-1], int(port)))]

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
    yield answers


class TestDnsRebinding:
    async def test_an_attempt_connects_to_the_address_it_checked(
        self, app_with: AppFactory, rebinding_dns: list[str]
    ) -> None:
        connections: list[Any] = []

        async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connections.append(writer.get_extra_info("peername"))
            writer.close()

        loopback = await asyncio.start_server(accept, "127.0.0.1", 0)
        port = loopback.sockets[0].getsockname()[1]
        application, client = await app_with(webhook_allow_private=False)
        actors = await make_actors(application.state.db, application.state.settings)
        async with loopback:
            created = await register(client, actors, f"https://rebind.test:{port}/hook")
            assert created.status_code == 201
            await create_ticket(client, actors.customer)
            await dispatch(application.state.db)
            network, now = NoInternet(), utcnow()
            await deliver(application, network, now=now)
            await deliver(application, network, now=now + timedelta(seconds=6))
        assert connections == []  # 127.0.0.1 was never reached
        assert rebinding_dns == [PUBLIC, PUBLIC, "127.0.0.1"]  # once per check, never by httpx
        (pinned,) = network.refused
        assert pinned.url.host == PUBLIC and pinned.url.port == port
        assert pinned.headers["host"] == f"rebind.test:{port}"
        assert pinned.extensions["sni_hostname"] == "rebind.test"
        delivery = await application.state.db.webhook_deliveries.find_one(
            {"webhook_id": ObjectId(created.json()["webhook"]["id"])}
        )
        first, second = delivery["attempts"]
        assert first["error"].startswith("ConnectError")
        assert second["error"] == "The host resolves to a private or reserved address."


async def deliver(application: FastAPI, network: NoInternet, **kwargs: Any) -> int:
    async with httpx.AsyncClient(transport=network, follow_redirects=False) as http:
        return await deliver_due(
            application.state.db, application.state.settings, http, owner="test", **kwargs
        )
