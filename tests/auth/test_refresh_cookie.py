"""Issue 22: the refresh token in an HttpOnly cookie for browsers (`"session": "cookie"`).

The app runs in production mode here (Secure cookies), so the browser is an https client: its
cookie jar, like a browser's, keeps a Secure cookie and sends it only to /api/auth/."""

import asyncio
from collections.abc import AsyncIterator
from unittest.mock import ANY

import httpx
import pytest
from fastapi import FastAPI

from app.auth.cookie_session import REFRESH_COOKIE
from app.auth.policy import FOREIGN_ORIGIN
from tests.conftest import AppFactory
from tests.factories import PASSWORD, Actor, make_user

LOGIN, REFRESH, LOGOUT, ME = (
    "/api/auth/login/",
    "/api/auth/refresh/",
    "/api/auth/logout/",
    "/api/auth/me/",
)
SITE = "https://testserver"
SEVEN_DAYS = 7 * 24 * 3600
REFUSED_ORIGIN = {"error": FOREIGN_ORIGIN, "code": "origin_not_allowed"}


def browser_of(app: FastAPI, site: str = SITE, origin: str | None = SITE) -> httpx.AsyncClient:
    """A page of `origin` calling the API at `site` (a browser sends `Origin` with every
    POST; None: a client that sends none)."""
    headers = {"Origin": origin} if origin else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=site, headers=headers)


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with browser_of(app) as client:
        yield client


def set_cookie(response: httpx.Response) -> dict[str, str]:
    """The one Set-Cookie of the answer: {"name": ..., "value": ..., attribute: value}, with
    attribute names lower-cased (flags map to "")."""
    [header] = response.headers.get_list("set-cookie")
    first, *attributes = [part.strip() for part in header.split(";")]
    name, _, value = first.partition("=")
    cookie = {"name": name, "value": value}
    for attribute in attributes:
        key, _, val = attribute.partition("=")
        cookie[key.lower()] = val
    return cookie


def with_cookie(token: str) -> dict[str, str]:
    """Headers that send `token` as the cookie, whatever the client's jar holds."""
    return {"Cookie": f"{REFRESH_COOKIE}={token}"}


async def post_from(
    app: FastAPI, origin: str | None, path: str, token: str, site: str = SITE
) -> httpx.Response:
    async with browser_of(app, site, origin) as page:
        return await page.post(path, json={}, headers=with_cookie(token))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def cookie_login(browser: httpx.AsyncClient, user: Actor) -> httpx.Response:
    body = {"email": user.email, "password": PASSWORD, "session": "cookie"}
    response = await browser.post(LOGIN, json=body)
    assert response.status_code == 200, response.text
    return response


class TestLoginInCookieMode:
    async def test_sets_the_cookie_with_its_attributes(
        self, browser: httpx.AsyncClient, customer: Actor
    ) -> None:
        cookie = set_cookie(await cookie_login(browser, customer))
        assert cookie == {
            "name": REFRESH_COOKIE,
            "value": ANY,
            "httponly": "",
            "max-age": str(SEVEN_DAYS),
            "path": "/api/auth/",
            "samesite": ANY,
            "secure": "",
        }
        assert cookie["samesite"].lower() == "strict"
        assert cookie["value"].count(".") == 2  # the refresh JWT

    async def test_the_answer_holds_no_refresh_token(
        self, browser: httpx.AsyncClient, customer: Actor
    ) -> None:
        response = await cookie_login(browser, customer)
        body = response.json()
        assert body["refresh_token"] is None
        assert set_cookie(response)["value"] not in response.text
        assert body["token_type"] == "bearer" and body["expires_in"] == 30 * 60
        assert body["user"]["id"] == customer.id
        me = await browser.get(ME, headers=bearer(body["access_token"]))
        assert me.status_code == 200

    async def test_not_secure_in_development(self, app_with: AppFactory) -> None:
        dev_app, _ = await app_with(app_env="development")
        user = await make_user(dev_app.state.db)
        async with browser_of(dev_app, "http://testserver", "http://testserver") as page:
            response = await page.post(
                LOGIN, json={"email": user["email"], "password": PASSWORD, "session": "cookie"}
            )
        assert response.status_code == 200
        cookie = set_cookie(response)
        assert "secure" not in cookie
        assert {"httponly", "path", "samesite"} <= set(cookie)

    async def test_explicit_token_mode_answers_as_before(
        self, browser: httpx.AsyncClient, customer: Actor
    ) -> None:
        body = {"email": customer.email, "password": PASSWORD, "session": "token"}
        response = await browser.post(LOGIN, json=body)
        assert response.status_code == 200
        assert response.json()["refresh_token"].count(".") == 2
        assert "set-cookie" not in response.headers

    @pytest.mark.parametrize("session", ["Cookie", "jwt", "", None, 1])
    async def test_another_session_value_is_400(
        self, browser: httpx.AsyncClient, customer: Actor, session: object
    ) -> None:
        body = {"email": customer.email, "password": PASSWORD, "session": session}
        response = await browser.post(LOGIN, json=body)
        assert response.status_code == 400
        assert response.json() == {"session": ["Input should be 'token' or 'cookie'"]}


class TestRefreshWithTheCookie:
    async def test_rotates_the_cookie_and_stays_in_cookie_mode(
        self, browser: httpx.AsyncClient, customer: Actor
    ) -> None:
        first = set_cookie(await cookie_login(browser, customer))["value"]
        response = await browser.post(REFRESH, json={})
        assert response.status_code == 200
        assert response.json()["refresh_token"] is None
        second = set_cookie(response)
        assert second["value"] != first and second["path"] == "/api/auth/"
        me = await browser.get(ME, headers=bearer(response.json()["access_token"]))
        assert me.json()["user"]["id"] == customer.id

    async def test_the_old_cookie_again_is_reuse_and_ends_the_login(
        self, browser: httpx.AsyncClient, customer: Actor
    ) -> None:
        old = set_cookie(await cookie_login(browser, customer))["value"]
        rotated = await browser.post(REFRESH, json={})
        new = set_cookie(rotated)["value"]
        reuse = await browser.post(REFRESH, json={}, headers=with_cookie(old))
        assert reuse.status_code == 401
        assert reuse.json() == {"error": "Refresh token has been revoked", "code": ANY}
        assert (await browser.post(REFRESH, json={}, headers=with_cookie(new))).status_code == 401
        ended = await browser.get(ME, headers=bearer(rotated.json()["access_token"]))
        assert ended.status_code == 401

    async def test_a_body_token_with_session_cookie_moves_to_the_cookie(
        self, browser: httpx.AsyncClient, customer: Actor
    ) -> None:
        login = await browser.post(LOGIN, json={"email": customer.email, "password": PASSWORD})
        body = {"refresh_token": login.json()["refresh_token"], "session": "cookie"}
        response = await browser.post(REFRESH, json=body)
        assert response.status_code == 200
        assert response.json()["refresh_token"] is None
        assert set_cookie(response)["httponly"] == ""

    async def test_the_body_token_comes_first(
        self, browser: httpx.AsyncClient, customer: Actor
    ) -> None:
        """A client sending both is a token client: the cookie is left alone."""
        await cookie_login(browser, customer)
        login = await browser.post(LOGIN, json={"email": customer.email, "password": PASSWORD})
        body = {"refresh_token": login.json()["refresh_token"], "session": "token"}
        response = await browser.post(REFRESH, json=body)
        assert response.status_code == 200
        assert response.json()["refresh_token"].count(".") == 2
        assert "set-cookie" not in response.headers
        assert (await browser.post(REFRESH, json={})).status_code == 200  # cookie unspent

    async def test_neither_body_token_nor_cookie_is_the_missing_field(
        self, browser: httpx.AsyncClient
    ) -> None:
        for path in (REFRESH, LOGOUT):
            response = await browser.post(path, json={})
            assert response.status_code == 400
            assert response.json() == {"refresh_token": ["This field is required."]}


class TestLogoutWithTheCookie:
    async def test_clears_the_cookie_and_ends_the_login(
        self, browser: httpx.AsyncClient, customer: Actor
    ) -> None:
        login = await cookie_login(browser, customer)
        token = set_cookie(login)["value"]
        response = await browser.post(LOGOUT, json={})
        assert response.status_code == 200
        assert response.json() == {"message": "Logged out successfully"}
        cleared = set_cookie(response)
        assert cleared["name"] == REFRESH_COOKIE and cleared["value"] in ("", '""')
        assert cleared["max-age"] == "0" and cleared["path"] == "/api/auth/"
        assert REFRESH_COOKIE not in browser.cookies  # the jar dropped it, as a browser does
        again = await browser.post(REFRESH, json={}, headers=with_cookie(token))
        assert again.status_code == 401
        me = await browser.get(ME, headers=bearer(login.json()["access_token"]))
        assert me.status_code == 401


class TestOriginCheck:
    @pytest.mark.parametrize(
        "origin",
        [None, "https://evil.example", "http://testserver", "null", "https://testserver.evil"],
    )
    async def test_refresh_from_another_page_is_refused_and_spends_nothing(
        self, app: FastAPI, browser: httpx.AsyncClient, customer: Actor, origin: str | None
    ) -> None:
        token = set_cookie(await cookie_login(browser, customer))["value"]
        refused = await post_from(app, origin, REFRESH, token)
        assert refused.status_code == 403
        assert refused.json() == REFUSED_ORIGIN
        assert "set-cookie" not in refused.headers
        assert (await browser.post(REFRESH, json={})).status_code == 200  # still unspent

    async def test_logout_from_another_page_is_refused(
        self, app: FastAPI, browser: httpx.AsyncClient, customer: Actor
    ) -> None:
        login = await cookie_login(browser, customer)
        token = set_cookie(login)["value"]
        for origin in (None, "https://evil.example"):
            refused = await post_from(app, origin, LOGOUT, token)
            assert refused.status_code == 403
            assert refused.json() == REFUSED_ORIGIN
        me = await browser.get(ME, headers=bearer(login.json()["access_token"]))
        assert me.status_code == 200  # the login goes on

    async def test_login_in_cookie_mode_from_another_page_is_refused(
        self, app: FastAPI, customer: Actor
    ) -> None:
        body = {"email": customer.email, "password": PASSWORD, "session": "cookie"}
        async with browser_of(app, origin="https://evil.example") as page:
            response = await page.post(LOGIN, json=body)
        assert response.status_code == 403
        assert response.json() == REFUSED_ORIGIN
        assert "set-cookie" not in response.headers

    async def test_the_default_port_is_the_same_origin(
        self, browser: httpx.AsyncClient, customer: Actor
    ) -> None:
        body = {"email": customer.email, "password": PASSWORD, "session": "cookie"}
        response = await browser.post(
            LOGIN, json=body, headers={"Origin": "https://TestServer:443"}
        )
        assert response.status_code == 200

    async def test_a_listed_origin_may_use_the_cookie(self, app_with: AppFactory) -> None:
        """Behind a proxy that ends TLS the app sees http; the public https origin is listed."""
        public = "https://support.example.com"
        proxied_app, _ = await app_with(refresh_cookie_origins=public)
        user = await make_user(proxied_app.state.db)
        body = {"email": user["email"], "password": PASSWORD, "session": "cookie"}
        internal = "http://internal:8000"
        async with browser_of(proxied_app, internal, public) as page:
            listed = await page.post(LOGIN, json=body)
        assert listed.status_code == 200
        token = set_cookie(listed)["value"]
        refresh = await post_from(proxied_app, public, REFRESH, token, internal)
        assert refresh.status_code == 200
        token = set_cookie(refresh)["value"]
        other = await post_from(proxied_app, "https://other.example.com", REFRESH, token, internal)
        assert other.status_code == 403


class TestSimultaneousCookieRefreshes:
    async def test_two_refreshes_with_one_cookie_at_most_one_succeeds(
        self, browser: httpx.AsyncClient, customer: Actor
    ) -> None:
        """The reuse rule holds for the cookie as for the body's token: one spends it, the
        other is reuse, which ends the login; repeated to meet several interleavings."""
        for _ in range(5):
            login = await cookie_login(browser, customer)
            token = set_cookie(login)["value"]
            answers = await asyncio.wait_for(
                asyncio.gather(
                    *(browser.post(REFRESH, json={}, headers=with_cookie(token)) for _ in range(2))
                ),
                timeout=30,
            )
            codes = sorted(answer.status_code for answer in answers)
            assert codes in ([200, 401], [401, 401]), codes
            issued = [set_cookie(a)["value"] for a in answers if a.status_code == 200]
            for dead in [token, *issued]:
                again = await browser.post(REFRESH, json={}, headers=with_cookie(dead))
                assert again.status_code == 401
            me = await browser.get(ME, headers=bearer(login.json()["access_token"]))
            assert me.status_code == 401
