"""Issue 25: FAQ suggestions while a ticket is written, their quality on the labelled sets,
reactions, deflection in the reports, and the questions the FAQ answered badly."""

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import AppFactory
from tests.factories import Actor, Actors

SUGGEST = "/api/support/faq/suggest/"
HERE = Path(__file__).parent
SESSION = "form-0123456789abcdef"
TICKET = {"subject": "Broken vase", "description": "It came in pieces.", "category": "Damaged"}


async def suggest(client: httpx.AsyncClient, q: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(SUGGEST, params={"q": q, **params})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["suggestions"]
    return found


class TestSuggest:
    async def test_ranked_by_relevance_question_first(self, client: httpx.AsyncClient) -> None:
        found = await suggest(client, "my parcel arrived damaged")
        assert found[0]["question"] == "What if my package arrived damaged?"
        assert set(found[0]) == {"id", "question", "answer", "category", "score"}
        assert len(found) == 3
        scores = [s["score"] for s in found]
        assert scores == sorted(scores, reverse=True) and scores[-1] > 0

    async def test_word_forms_accents_and_misspellings(self, client: httpx.AsyncClient) -> None:
        plain = await suggest(client, "cancel my order")
        for variant in ("CANCÉLLING my ordèrs", "cancell my ordr"):
            assert (await suggest(client, variant))[0]["id"] == plain[0]["id"]

    async def test_category_and_limit(self, client: httpx.AsyncClient) -> None:
        found = await suggest(client, "package damaged late lost", category="Late", limit=1)
        assert len(found) == 1 and found[0]["category"] == "Late"

    async def test_nothing_relevant_is_no_suggestion(self, client: httpx.AsyncClient) -> None:
        assert await suggest(client, "is there a student discount") == []

    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"q": ""},
            {"q": "x", "limit": 0},
            {"q": "x", "session": "short"},
            {"q": "x", "category": "late"},
        ],
    )
    async def test_invalid_input(self, client: httpx.AsyncClient, params: dict[str, Any]) -> None:
        response = await client.get(SUGGEST, params=params)
        assert response.status_code == 400

    async def test_admin_changes_show_at_once(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        assert await suggest(client, "gift wrapping") == []
        faq = {"question": "Can you gift wrap my order?", "answer": "Yes.", "category": "Other"}
        created = await client.post("/api/admin/faq/", json=faq, headers=admin.headers)
        faq_id = created.json()["faq"]["id"]
        assert (await suggest(client, "gift wrapping"))[0]["id"] == faq_id
        await client.delete(f"/api/admin/faq/{faq_id}/", headers=admin.headers)
        assert await suggest(client, "gift wrapping") == []


class TestQuality:
    """The floors docs/self-service.md reports against; the held-out set was written after
    the synonyms were chosen."""

    @pytest.mark.parametrize(
        ("name", "at1_floor", "at3_floor"),
        [("suggest_labelled.json", 0.75, 0.90), ("suggest_heldout.json", 0.75, 0.85)],
    )
    async def test_hits(
        self, client: httpx.AsyncClient, name: str, at1_floor: float, at3_floor: float
    ) -> None:
        labelled = json.loads((HERE / name).read_text())
        assert len(labelled) >= (40 if name == "suggest_labelled.json" else 20)
        at1 = at3 = 0
        for item in labelled:
            questions = [s["question"] for s in await suggest(client, item["q"])]
            at1 += item["expected_faq"] in questions[:1]
            at3 += item["expected_faq"] in questions[:3]
        assert at1 / len(labelled) >= at1_floor
        assert at3 / len(labelled) >= at3_floor


class TestReactions:
    async def test_opened_and_feedback(self, client: httpx.AsyncClient) -> None:
        faq_id = (await suggest(client, "refund"))[0]["id"]
        opened = await client.post(f"/api/support/faq/{faq_id}/opened/", json={})
        assert opened.status_code == 201
        rated = await client.post(f"/api/support/faq/{faq_id}/feedback/", json={"helpful": True})
        assert rated.status_code == 201 and rated.json() == {"message": "Thank you"}

    @pytest.mark.parametrize("faq_id", ["0123456789abcdef01234567", "nope"])
    async def test_unknown_faq(self, client: httpx.AsyncClient, faq_id: str) -> None:
        response = await client.post(f"/api/support/faq/{faq_id}/feedback/", json={"helpful": 1})
        assert response.status_code == 404 and response.json()["error"] == "FAQ not found"

    @pytest.mark.parametrize("body", [{}, {"helpful": "maybe"}, {"helpful": True, "x": 1}])
    async def test_invalid_body(self, client: httpx.AsyncClient, body: dict[str, Any]) -> None:
        faq_id = (await suggest(client, "refund"))[0]["id"]
        response = await client.post(f"/api/support/faq/{faq_id}/feedback/", json=body)
        assert response.status_code == 400

    async def test_throttled_per_address(self, client: httpx.AsyncClient) -> None:
        faq_id = (await suggest(client, "refund"))[0]["id"]
        url = f"/api/support/faq/{faq_id}/opened/"
        answers = [(await client.post(url, json={})).status_code for _ in range(31)]
        assert answers == [201] * 30 + [429]


async def deflection(client: httpx.AsyncClient, actors: Actors) -> dict[str, int]:
    response = await client.get("/api/admin/reports/overview/", headers=actors.admin.headers)
    assert response.status_code == 200, response.text
    block: dict[str, int] = response.json()["deflection"]
    return block


class TestDeflection:
    async def test_counted_in_the_reports(self, client: httpx.AsyncClient, actors: Actors) -> None:
        zero = dict.fromkeys(
            [
                "suggestions_shown",
                "answers_opened",
                "marked_helpful",
                "tickets_created_after_suggestion",
            ],
            0,
        )
        assert await deflection(client, actors) == zero
        typed = ("broken", "broken vase", "broken vase came in pieces")  # one form, typing
        for q in typed:
            faq_id = (await suggest(client, q, session=SESSION))[0]["id"]
        await client.post(f"/api/support/faq/{faq_id}/opened/", json={"session": SESSION})
        helpful = {"helpful": True, "session": SESSION}
        await client.post(f"/api/support/faq/{faq_id}/feedback/", json=helpful)
        unhelpful = {"helpful": False, "session": SESSION}
        await client.post(f"/api/support/faq/{faq_id}/feedback/", json=unhelpful)
        headers = actors.customer.headers
        for session in (SESSION, "form-never-shown-anything", None):
            body = {**TICKET, "suggestion_session": session} if session else TICKET
            created = await client.post("/api/support/tickets/create/", json=body, headers=headers)
            assert created.status_code == 201, created.text
        assert await deflection(client, actors) == {
            "suggestions_shown": 1,
            "answers_opened": 1,
            "marked_helpful": 1,
            "tickets_created_after_suggestion": 1,
        }

    async def test_simultaneous_suggestions_of_one_form_count_once(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        await asyncio.gather(*(suggest(client, "refund", session=SESSION) for _ in range(8)))
        assert (await deflection(client, actors))["suggestions_shown"] == 1

    async def test_session_on_a_ticket(self, client: httpx.AsyncClient, customer: Actor) -> None:
        url, headers = "/api/support/tickets/create/", customer.headers
        good = await client.post(
            url, json={**TICKET, "suggestion_session": SESSION}, headers=headers
        )
        assert good.status_code == 201
        body = {**TICKET, "suggestion_session": "bad id!"}
        response = await client.post(url, json=body, headers=headers)
        assert response.status_code == 400 and list(response.json()) == ["suggestion_session"]


class TestUnanswered:
    URL = "/api/admin/faq/unanswered/"

    async def test_most_frequent_low_scored_queries(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        for i, q in enumerate(["Student discount?", "student  DISCOUNT", "gift cards", "refund"]):
            await suggest(client, q, session=f"form-{i:016d}")
        response = await client.get(self.URL, params={"days": 30}, headers=admin.headers)
        assert response.status_code == 200
        questions = response.json()["questions"]
        assert [(q["query"], q["count"]) for q in questions] == [
            ("student discount", 2),
            ("gift cards", 1),
        ]
        assert set(questions[0]) == {"query", "count", "best_score", "last_asked_at"}

    async def test_admins_only(self, client: httpx.AsyncClient, actors: Actors) -> None:
        assert (await client.get(self.URL)).status_code == 401
        for caller in (actors.customer, actors.agent):
            assert (await client.get(self.URL, headers=caller.headers)).status_code == 403
        bad = await client.get(self.URL, params={"days": 0}, headers=actors.admin.headers)
        assert bad.status_code == 400


class TestSuggestThrottle:
    async def test_limited_per_address_by_the_app_wide_limit(self, app_with: AppFactory) -> None:
        _, client = await app_with(trusted_proxies="127.0.0.1", rate_limit_per_address=3)

        async def ask_from(host: str) -> httpx.Response:
            return await client.get(
                SUGGEST, params={"q": "refund"}, headers={"X-Forwarded-For": host}
            )

        answers = [(await ask_from("203.0.113.7")).status_code for _ in range(3)]
        assert answers == [200] * 3
        refused = await ask_from("203.0.113.7")
        assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
        assert int(refused.headers["retry-after"]) >= 1
        assert (await ask_from("198.51.100.1")).status_code == 200
