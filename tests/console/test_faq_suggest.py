"""Issue 25: the new-ticket form suggests FAQ answers as the customer types; the admin sees
the questions the FAQ answered badly. By role and label, with axe."""

import httpx
from playwright.sync_api import Page, expect

from tests.console.conftest import Console, log_in, serious_violations


def deflection(console: Console) -> dict[str, int]:
    answer = httpx.get(
        f"{console.base}/api/admin/reports/overview/",
        headers=console.headers(console.admin),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    block: dict[str, int] = answer.json()["deflection"]
    return block


class TestSuggestionsOnTheNewTicketForm:
    def test_typing_shows_answers_to_open_and_mark(self, page: Page, console: Console) -> None:
        before = deflection(console)
        log_in(page, console, console.customer())
        page.get_by_role("link", name="New ticket").first.click()
        page.get_by_label("Subject").fill("My parcel arrived damaged")
        suggestions = page.get_by_role("region", name="Suggested answers")
        question = suggestions.get_by_text("What if my package arrived damaged?")
        expect(question).to_be_visible()
        question.click()
        expect(suggestions.get_by_text("keep the packaging")).to_be_visible()
        suggestions.get_by_role("button", name="This answered my question").click()
        expect(suggestions.get_by_role("status")).to_contain_text("Glad it helped")
        assert serious_violations(page) == []

        page.get_by_label("What happened?").fill("The vase is broken all the same.")
        page.get_by_role("button", name="Create ticket").click()
        expect(page.get_by_role("heading", name="My parcel arrived damaged")).to_be_visible()
        after = deflection(console)
        assert {k: after[k] - before[k] for k in after} == dict.fromkeys(after, 1)


class TestUnansweredQuestions:
    def test_admin_sees_what_the_faq_did_not_answer(self, page: Page, console: Console) -> None:
        for i, q in enumerate(("student discount", "Student discount!")):
            session = {"q": q, "session": f"form-{i}-0123456789abcdef"}
            answer = httpx.get(
                f"{console.base}/api/support/faq/suggest/", params=session, timeout=10
            )
            assert answer.status_code == 200 and answer.json()["suggestions"] == []
        log_in(page, console, console.admin)
        page.get_by_role("link", name="Unanswered").click()
        expect(page.get_by_role("heading", name="Unanswered questions")).to_be_visible()
        row = page.get_by_role("row", name="student discount")
        expect(row.get_by_role("cell").nth(1)).to_have_text("2")
        assert serious_violations(page) == []
