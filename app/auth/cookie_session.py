"""The refresh token as a cookie, for browsers (`"session": "cookie"`): JavaScript never reads
it (HttpOnly), other sites' pages never send it (SameSite=Strict) nor use it (the Origin
check), and only /api/auth/ receives it. Other clients keep the token in the JSON answers."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Cookie, Depends, Request, Response

from app.auth import policy
from app.auth.schemas import SessionMode, TokenPairOut
from app.auth.service import refresh_lifetime
from app.core.config import Settings
from app.core.deps import SettingsDep
from app.core.errors import FieldError

REFRESH_COOKIE = "refresh_token"
REFRESH_COOKIE_PATH = "/api/auth/"

RefreshCookie = Annotated[
    str | None,
    Cookie(
        alias=REFRESH_COOKIE,
        max_length=4096,
        description='Set by login or refresh with `"session": "cookie"`; used when the body '
        "has no `refresh_token`, if `Origin` is the API's own origin.",
    ),
]

COOKIE_MODE = (
    ' With `"session": "cookie"` (browsers) the refresh token is set as the HttpOnly '
    f"`{REFRESH_COOKIE}` cookie (SameSite=Strict, Path={REFRESH_COOKIE_PATH}, Secure outside "
    "development, Max-Age the refresh token's lifetime) instead of being in the answer, whose "
    "`refresh_token` is then null; the request's `Origin` must be the API's own origin or one "
    "of REFRESH_COOKIE_ORIGINS, else 403 `origin_not_allowed`."
)
USES_COOKIE = (
    f" Without `refresh_token` in the body, the `{REFRESH_COOKIE}` cookie is used (same "
    "`Origin` rule)"
)
SETS_COOKIE: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "Set-Cookie": {
                "description": f"`{REFRESH_COOKIE}`, in cookie mode only",
                "schema": {"type": "string"},
                "example": f"{REFRESH_COOKIE}=eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJhYmMifQ.sig; "
                f"HttpOnly; Max-Age=604800; Path={REFRESH_COOKIE_PATH}; SameSite=strict; Secure",
            }
        }
    }
}


@dataclass(frozen=True)
class CookieSession:
    request: Request
    response: Response
    settings: Settings

    def wants_cookie(self, session: SessionMode) -> bool:
        """Whether the answer sets the cookie; a page asking for it must be one of ours."""
        if session == "cookie":
            self._ensure_origin()
        return session == "cookie"

    def refresh_token(self, body_token: str | None, cookie: str | None) -> tuple[str, bool]:
        """The refresh token to use, and whether it is the cookie's: the body's comes first
        (other clients, as before); without either, the body's field is missing."""
        if body_token is not None:
            return body_token, False
        if cookie is None:
            raise FieldError("refresh_token", "This field is required.")
        self._ensure_origin()
        return cookie, True

    def answer(self, pair: TokenPairOut, *, in_cookie: bool) -> TokenPairOut:
        """The pair as the client asked for it: a cookie client's refresh token moves from the
        JSON answer into the cookie."""
        if not in_cookie or pair.refresh_token is None:
            return pair
        self.response.set_cookie(
            REFRESH_COOKIE,
            pair.refresh_token,
            max_age=int(refresh_lifetime(self.settings).total_seconds()),
            path=REFRESH_COOKIE_PATH,
            secure=self.settings.is_production,
            httponly=True,
            samesite="strict",
        )
        return pair.model_copy(update={"refresh_token": None})

    def forget(self) -> None:
        self.response.delete_cookie(
            REFRESH_COOKIE,
            path=REFRESH_COOKIE_PATH,
            secure=self.settings.is_production,
            httponly=True,
            samesite="strict",
        )

    def _ensure_origin(self) -> None:
        url = self.request.url
        policy.ensure_trusted_origin(
            origin=self.request.headers.get("origin"),
            own_origin=f"{url.scheme}://{url.netloc}",
            trusted=self.settings.refresh_cookie_origins,
        )


async def get_cookie_session(
    request: Request, response: Response, settings: SettingsDep
) -> CookieSession:
    return CookieSession(request=request, response=response, settings=settings)


CookieSessionDep = Annotated[CookieSession, Depends(get_cookie_session)]
