"""Issue 4: the public FAQ, its seed, and admin management."""

from unittest.mock import ANY

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI

from app.core.config import Settings
from app.main import prepare_database
from app.tickets.documents import Category
from tests.factories import Actor, Actors

URL = "/api/support/faq/"
FAQ = {
    "question": "Can I change my address?",
    "answer": "Yes, before dispatch.",
    "category": "Other",
}


class TestPublicFaq:
    async def test_public_and_seeded_with_two_per_category(self, client: httpx.AsyncClient) -> None:
        response = await client.get(URL)
        assert response.status_code == 200
        faqs = response.json()["faqs"]
        for category in Category:
            assert sum(f["category"] == category.value for f in faqs) >= 2
        assert set(faqs[0]) == {"id", "question", "answer", "category"}

    async def test_category_filter(self, client: httpx.AsyncClient) -> None:
        faqs = (await client.get(f"{URL}?category=Damaged")).json()["faqs"]
        assert faqs and all(f["category"] == "Damaged" for f in faqs)

    @pytest.mark.parametrize("category", ["damaged", "Bogus", ""])
    async def test_invalid_category(self, client: httpx.AsyncClient, category: str) -> None:
        response = await client.get(f"{URL}?category={category}")
        assert response.status_code == 400
        assert list(response.json()) == ["category"]

    async def test_restart_never_duplicates_the_seed(
        self, app: FastAPI, settings: Settings
    ) -> None:
        before = await app.state.db.faqs.count_documents({})
        await prepare_database(app.state.db, settings, app.state.hasher)
        await prepare_database(app.state.db, settings, app.state.hasher)
        assert await app.state.db.faqs.count_documents({}) == before

    async def test_deleted_seed_faq_stays_deleted(self, app: FastAPI, settings: Settings) -> None:
        await app.state.db.faqs.delete_many({"category": "Late"})
        await prepare_database(app.state.db, settings, app.state.hasher)
        assert await app.state.db.faqs.count_documents({"category": "Late"}) == 0


class TestAdminFaq:
    async def test_wrong_role(self, client: httpx.AsyncClient, actors: Actors) -> None:
        assert (await client.post("/api/admin/faq/", json=FAQ)).status_code == 401
        for caller in (actors.customer, actors.agent):
            assert (
                await client.post("/api/admin/faq/", json=FAQ, headers=caller.headers)
            ).status_code == 403

    async def test_create_update_delete(self, client: httpx.AsyncClient, admin: Actor) -> None:
        created = await client.post("/api/admin/faq/", json=FAQ, headers=admin.headers)
        assert created.status_code == 201
        faq = created.json()["faq"]
        assert created.json()["message"] == "FAQ created successfully"
        assert {k: faq[k] for k in FAQ} == FAQ
        changed = {**FAQ, "answer": "Yes, until it ships.", "category": "Late"}
        updated = await client.put(
            f"/api/admin/faq/{faq['id']}/", json=changed, headers=admin.headers
        )
        assert updated.status_code == 200
        assert updated.json()["faq"]["answer"] == "Yes, until it ships."
        listed = (await client.get(f"{URL}?category=Late")).json()["faqs"]
        assert faq["id"] in [f["id"] for f in listed]
        deleted = await client.delete(f"/api/admin/faq/{faq['id']}/", headers=admin.headers)
        assert deleted.status_code == 200
        assert faq["id"] not in [f["id"] for f in (await client.get(URL)).json()["faqs"]]
        again = await client.delete(f"/api/admin/faq/{faq['id']}/", headers=admin.headers)
        assert again.status_code == 404
        assert again.json() == {"error": "FAQ not found", "code": ANY}

    async def test_update_unknown(self, client: httpx.AsyncClient, admin: Actor) -> None:
        for faq_id in (str(ObjectId()), "x"):
            response = await client.put(
                f"/api/admin/faq/{faq_id}/", json=FAQ, headers=admin.headers
            )
            assert response.status_code == 404

    async def test_bad_request(self, client: httpx.AsyncClient, admin: Actor) -> None:
        response = await client.post(
            "/api/admin/faq/",
            json={**FAQ, "question": "", "category": "Nope"},
            headers=admin.headers,
        )
        assert response.status_code == 400
        assert set(response.json()) == {"question", "category"}
