"""Every link mail carries opens a screen of the console: the console routes in the URL's
fragment (the server serves /app/ alone), so a link to /app/tickets/... would be a 404."""

import re

import pytest

from app.console.router import STATIC_DIR
from app.mail import links

ROUTES = re.findall(r'path: "([^"]+)"', (STATIC_DIR / "js" / "routes.js").read_text())


def console_route(path: str) -> bool:
    return any(re.fullmatch(re.sub(r":\w+", r"[^/]+", route), path) for route in ROUTES)


@pytest.mark.parametrize(
    "link",
    [
        *links.TICKET_ROUTES.values(),
        links.AGENTS_ROUTE,
        links.SETTINGS_ROUTE,
        links.SURVEY_ROUTE,
        links.SIGN_IN_ROUTE,
    ],
)
def test_each_link_is_a_console_screen(link: str) -> None:
    assert link.startswith("/app/#/"), link
    path = link.removeprefix("/app/#").format(id="6a1b", token="t0k3n").partition("?")[0]
    assert console_route(path), (link, ROUTES)
