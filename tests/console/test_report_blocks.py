"""The admin's reports show the FAQ deflection and satisfaction survey blocks of
GET /api/admin/reports/overview/ as tables, with figures from data made through the API: FAQ
suggestions asked for, opened, marked helpful and followed by a ticket; surveys mailed (to the
test SMTP server of test_self_service, on a database of this module's own, so the figures are
exact) and one of them answered by its link."""

import uuid
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.console import test_self_service as mailing
from tests.console.conftest import Console, log_in, serious_violations
from tests.mail.conftest import Sink

# The served console that mails, and its SMTP server: fixtures of this module too.
sink = mailing.sink
console = mailing.console


def call(
    console: Console, method: str, path: str, user: dict[str, str] | None, **body: object
) -> dict[str, Any]:
    headers = console.headers(user) if user else {}
    answer = httpx.request(
        method, f"{console.base}/api{path}", headers=headers, json=body or None, timeout=10
    )
    assert answer.status_code < 300, answer.text
    found: dict[str, Any] = answer.json()
    return found


def suggested(console: Console, words: str, session: str) -> str:
    """Suggestions shown to a new-ticket form: the best one's id."""
    found = call(console, "GET", f"/support/faq/suggest/?q={words}&session={session}", None)
    best: str = found["suggestions"][0]["id"]
    return best


def figures(page: Page, table: str) -> dict[str, str]:
    rows = page.get_by_role("table", name=table).get_by_role("row")
    expect(rows).not_to_have_count(0)
    return {
        row.get_by_role("rowheader").inner_text(): row.get_by_role("cell").inner_text()
        for row in rows.all()
    }


class TestDeflectionAndSurveys:
    def test_both_blocks_show_their_figures(self, page: Page, console: Console, sink: Sink) -> None:
        helped, ignored = uuid.uuid4().hex, uuid.uuid4().hex
        faq_id = suggested(console, "parcel arrived damaged", helped)
        suggested(console, "my delivery is late", ignored)
        call(console, "POST", f"/support/faq/{faq_id}/opened/", None, session=helped)
        call(
            console, "POST", f"/support/faq/{faq_id}/feedback/", None, session=helped, helpful=True
        )
        customer = console.customer()
        body = {"description": "Broken all the same", "category": "Damaged"}
        call(
            console,
            "POST",
            "/support/tickets/create/",
            customer,
            subject="Vase",
            suggestion_session=helped,
            **body,
        )

        rated, unrated = console.customer(), console.customer()
        mailing.resolved_ticket(console, rated, "Lamp")
        mailing.resolved_ticket(console, unrated, "Chair")
        survey = r"https://\S+/app/#/survey/([\w-]+)"
        mailing.link_in_mail(sink, unrated["email"], survey)
        token = mailing.link_in_mail(sink, rated["email"], survey).rsplit("/", 1)[1]
        call(console, "POST", f"/surveys/{token}/", None, rating="4")

        log_in(page, console, console.admin)
        page.get_by_role("link", name="Reports").click()
        assert figures(page, "FAQ suggestions on the new-ticket form") == {
            "Forms shown suggestions": "2",
            "Answers opened": "1",
            "Marked helpful": "1",
            "Tickets still created after a suggestion": "1",
        }
        assert figures(page, "Satisfaction surveys") == {
            "Sent": "2",
            "Answered": "1",
            "Response rate": "50%",
            "Resolutions rated": "1",
            "Average rating": "4",
        }
        assert serious_violations(page) == []
