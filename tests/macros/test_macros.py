"""Issue 23, macros: saved by admins, listed to staff, applied to a ticket in one transaction
with their events (or previewed, writing nothing)."""

import asyncio
from typing import Any

import httpx
import pytest
from bson import ObjectId

from app.core.db import Database
from app.core.errors import BadRequest
from app.macros import apply
from tests.conftest import Clock
from tests.factories import Actor, Actors, store_ticket, ticket_events

URL = "/api/admin/macros/"
RESOLVE = {
    "title": "Refund sent",
    "reply": "Dear {{ customer.name }}, the refund for #{{ ticket.id }} is on its way. "
    "{{ agent.name }}",
    "note": "Refunded by {{ agent.name }} ({{ ticket.subject }})",
    "add_tags": ["refund"],
    "set_status": "Resolved",
    "set_priority": "High",
}


async def save(client: httpx.AsyncClient, admin: Actor, **fields: Any) -> dict[str, Any]:
    response = await client.post(URL, json={**RESOLVE, **fields}, headers=admin.headers)
    assert response.status_code == 201, response.text
    saved: dict[str, Any] = response.json()["macro"]
    return saved


def apply_url(ticket: dict[str, Any], macro: dict[str, Any], preview: bool = False) -> str:
    url = f"/api/support/tickets/{ticket['_id']}/macros/{macro['id']}/apply/"
    return url + "?preview=true" if preview else url


async def footprint(db: Database, ticket: dict[str, Any]) -> tuple[Any, ...]:
    """What applying writes: the ticket's version, replies, notes and events."""
    stored = await db.tickets.find_one({"_id": ticket["_id"]})
    assert stored is not None
    of_ticket = {"ticket_id": ticket["_id"]}
    return (
        stored.get("version"),
        await db.ticket_replies.count_documents(of_ticket),
        await db.ticket_notes.count_documents(of_ticket),
        len(await ticket_events(db, ticket["_id"])),
    )


class TestSave:
    async def test_admins_save_change_and_delete(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        saved = await save(client, actors.admin)
        assert set(saved) == {
            "id", "title", "reply", "note", "set_status", "set_priority", "add_tags",
            "remove_tags", "created_at", "updated_at",
        }  # fmt: skip
        assert (saved["set_status"], saved["add_tags"], saved["remove_tags"]) == (
            "Resolved", ["refund"], []
        )  # fmt: skip
        url = f"{URL}{saved['id']}/"
        changed = await client.put(url, json={"title": "Hold", "set_status": "On Hold"},
                                   headers=actors.admin.headers)  # fmt: skip
        assert changed.status_code == 200
        assert changed.json()["message"] == "Macro updated successfully"
        assert changed.json()["macro"]["reply"] is None
        listed = await client.get("/api/agent/macros/", headers=actors.agent.headers)
        assert [m["title"] for m in listed.json()["macros"]] == ["Hold"]
        gone = await client.delete(url, headers=actors.admin.headers)
        assert gone.json() == {"message": "Macro deleted successfully"}
        again = await client.delete(url, headers=actors.admin.headers)
        assert again.status_code == 404
        assert again.json() == {"error": "Macro not found", "code": "not_found"}

    async def test_listed_by_title_to_staff_saved_by_admins_only(
        self, client: httpx.AsyncClient, actors: Actors
    ) -> None:
        await save(client, actors.admin, title="B")
        await save(client, actors.admin, title="A")
        for staff in (actors.agent, actors.admin):
            listed = await client.get("/api/agent/macros/", headers=staff.headers)
            assert [m["title"] for m in listed.json()["macros"]] == ["A", "B"]
        for caller in (actors.customer, actors.pending_agent):
            assert (
                await client.get("/api/agent/macros/", headers=caller.headers)
            ).status_code == 403
        for caller in (actors.agent, actors.customer):
            response = await client.post(URL, json=RESOLVE, headers=caller.headers)
            assert response.status_code == 403

    @pytest.mark.parametrize(
        ("field", "source", "message"),
        [
            ("reply", "Hi {{ customer.email }}", "Only these variables can be used"),
            ("note", "Hi {{ customer.name", "The template does not parse"),
            ("reply", "{% for x in y %}{% endfor %}", "Only text and {{ variables }}"),
            ("note", "{{ agent.name | upper }}", "Unknown filter 'upper'"),
        ],
    )
    async def test_a_template_that_cannot_be_used_is_refused_on_its_field(
        self, client: httpx.AsyncClient, admin: Actor, field: str, source: str, message: str
    ) -> None:
        response = await client.post(URL, json={**RESOLVE, field: source}, headers=admin.headers)
        assert response.status_code == 400
        assert list(response.json()) == [field]
        assert response.json()[field][0].startswith(message)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"title": ""}, "title"), ({"title": "x" * 201}, "title"),
            ({"title": "Nothing to do"}, "non_field_errors"),
            ({**RESOLVE, "add_tags": ["No Way"]}, "add_tags.0"),
            ({**RESOLVE, "add_tags": ["a"] * 21}, "add_tags"),
            ({**RESOLVE, "remove_tags": ["refund"]}, "non_field_errors"),
            ({**RESOLVE, "set_status": "Done"}, "set_status"),
            ({**RESOLVE, "set_priority": "Urgent"}, "set_priority"),
            ({**RESOLVE, "reply": "x" * 10_001}, "reply"),
            ({**RESOLVE, "extra": 1}, "extra"),
        ],
    )  # fmt: skip
    async def test_limits(
        self, client: httpx.AsyncClient, admin: Actor, body: dict[str, Any], field: str
    ) -> None:
        data = {"title": "T", **body} if "title" not in body else body
        response = await client.post(URL, json=data, headers=admin.headers)
        assert response.status_code == 400
        assert list(response.json()) == [field], response.text


class TestApply:
    async def test_does_everything_in_order_with_its_events(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        macro = await save(client, actors.admin)
        response = await client.post(apply_url(ticket, macro), headers=actors.agent.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["message"] == "Macro applied successfully"
        assert (body["ticket"]["status"], body["ticket"]["priority"]) == ("Resolved", "High")
        assert body["ticket"]["tags"] == ["refund"] and body["ticket"]["reply_count"] == 1
        assert body["ticket"]["first_response_at"] is not None
        assert body["reply"]["body"] == (
            f"Dear {actors.customer.name}, the refund for #{ticket['_id']} is on its way. "
            f"{actors.agent.name}"
        )
        assert body["reply"]["via"] == "web"
        assert body["note"]["note"] == f"Refunded by {actors.agent.name} ({ticket['subject']})"
        stored = await db.tickets.find_one({"_id": ticket["_id"]})
        assert stored is not None and response.headers["ETag"] == f'"{stored["version"]}"'
        assert stored["version"] == ticket.get("version", 0) + 1  # one write
        happened = await ticket_events(db, ticket["_id"])
        assert [e["type"] for e in happened] == [
            "reply.created", "note.created", "ticket.tags_changed",
            "ticket.status_changed", "ticket.priority_changed",
        ]  # fmt: skip
        assert happened[0]["data"]["reply_id"] == body["reply"]["id"]
        assert happened[1]["data"]["note_id"] == body["note"]["id"]
        assert await footprint(db, ticket) == (stored["version"], 1, 1, 5)

    async def test_a_forbidden_transition_writes_nothing(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="On Hold", agent=actors.agent)
        macro = await save(client, actors.admin, set_status="Closed")
        before = await footprint(db, ticket)
        response = await client.post(apply_url(ticket, macro), headers=actors.agent.headers)
        assert response.status_code == 400
        assert response.json() == {"set_status": ["Cannot change status from On Hold to Closed"]}
        assert await footprint(db, ticket) == before

    async def test_a_write_that_fails_late_leaves_nothing(
        self,
        client: httpx.AsyncClient,
        db: Database,
        actors: Actors,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The note is inserted last, after the ticket, its events and the reply were written:
        its failure undoes them all."""
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        macro = await save(client, actors.admin)
        before = await footprint(db, ticket)

        class Refusing:
            async def insert_one(self, *args: object, **kwargs: object) -> None:
                raise BadRequest("The note could not be stored")

        monkeypatch.setattr(apply.ticket_queries, "notes", lambda db: Refusing())
        response = await client.post(apply_url(ticket, macro), headers=actors.agent.headers)
        assert response.status_code == 400
        assert await footprint(db, ticket) == before

    async def test_a_closed_ticket_takes_no_macro(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="Closed", agent=actors.agent)
        macro = await save(client, actors.admin, set_status=None, set_priority=None)
        response = await client.post(apply_url(ticket, macro), headers=actors.admin.headers)
        assert response.status_code == 400 and response.json()["code"] == "ticket_closed"

    async def test_honours_if_match(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        macro = await save(client, actors.admin)
        read = await client.get(
            f"/api/support/tickets/{ticket['_id']}/", headers=actors.agent.headers
        )
        await client.post(f"/api/support/tickets/{ticket['_id']}/add-note/", json={"note": "n"},
                          headers=actors.admin.headers)  # fmt: skip
        before = await footprint(db, ticket)
        stale = {**actors.agent.headers, "If-Match": read.headers["ETag"]}
        refused = await client.post(apply_url(ticket, macro), headers=stale)
        assert refused.status_code == 412 and refused.json()["code"] == "precondition_failed"
        assert await footprint(db, ticket) == before
        read = await client.get(
            f"/api/support/tickets/{ticket['_id']}/", headers=actors.agent.headers
        )
        fresh = {**actors.agent.headers, "If-Match": read.headers["ETag"]}
        assert (await client.post(apply_url(ticket, macro), headers=fresh)).status_code == 200

    async def test_only_who_may_work_on_the_ticket(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        macro = await save(client, actors.admin)
        for caller in (actors.other_agent, actors.customer, actors.pending_agent):
            assert (
                await client.post(apply_url(ticket, macro), headers=caller.headers)
            ).status_code == 403
        unknown = apply_url(ticket, {"id": str(ObjectId())})
        assert (await client.post(unknown, headers=actors.agent.headers)).status_code == 404


class TestPreview:
    async def test_answers_what_apply_would_and_writes_nothing(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, clock: Clock
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        macro = await save(client, actors.admin)
        before = await footprint(db, ticket)
        preview = await client.post(
            apply_url(ticket, macro, preview=True), headers=actors.agent.headers
        )
        assert preview.status_code == 200
        assert await footprint(db, ticket) == before
        assert preview.headers["ETag"] == f'"{before[0] or 0}"'  # the ticket as it is
        applied = await client.post(
            apply_url(ticket, macro),
            headers={**actors.agent.headers, "If-Match": preview.headers["ETag"]},
        )
        assert applied.status_code == 200

        def without_ids(answer: dict[str, Any]) -> dict[str, Any]:
            return {**answer, "reply": {**answer["reply"], "id": None},
                    "note": {**answer["note"], "id": None}}  # fmt: skip

        assert without_ids(preview.json()) == without_ids(applied.json())

    async def test_a_refused_preview_is_refused_like_apply(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="Open", agent=actors.agent)
        macro = await save(client, actors.admin)  # Open cannot become Resolved
        response = await client.post(
            apply_url(ticket, macro, preview=True), headers=actors.agent.headers
        )
        assert response.status_code == 400 and list(response.json()) == ["set_status"]

    async def test_absent_reply_and_note_are_absent(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        macro = await save(client, actors.admin, reply=None, note=None)
        response = await client.post(
            apply_url(ticket, macro, preview=True), headers=actors.agent.headers
        )
        assert set(response.json()) == {"message", "ticket"}


class TestWhatCustomersSee:
    async def test_the_reply_but_never_the_note_or_tags(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        macro = await save(client, actors.admin, set_status=None)
        assert (
            await client.post(apply_url(ticket, macro), headers=actors.agent.headers)
        ).status_code == 200
        base = f"/api/support/tickets/{ticket['_id']}/"
        seen = await client.get(base, headers=actors.customer.headers)
        assert "tags" not in seen.json()["ticket"] and "internal_notes" not in seen.json()
        assert "refund" not in seen.text and "Refunded by" not in seen.text
        thread = (await client.get(base + "replies/", headers=actors.customer.headers)).json()
        assert [r["body"][:4] for r in thread["replies"]] == ["Dear"]
        history = await client.get(base + "events/", headers=actors.customer.headers)
        assert "Refunded by" not in history.text and 'refund"' not in history.text
        types = {e["type"] for e in history.json()["events"]}
        assert "reply.created" in types and not types & {"note.created", "ticket.tags_changed"}


class TestSimultaneous:
    async def test_two_at_once_both_apply_one_after_the_other(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        macro = await save(client, actors.admin)
        answers = await asyncio.gather(
            *(client.post(apply_url(ticket, macro), headers=who.headers)
              for who in (actors.agent, actors.admin))
        )  # fmt: skip
        assert [a.status_code for a in answers] == [200, 200]
        version, replies, notes, _ = await footprint(db, ticket)
        assert (version, replies, notes) == (ticket.get("version", 0) + 2, 2, 2)
        types = [e["type"] for e in await ticket_events(db, ticket["_id"])]
        # the second found the tags and status as asked: only its reply and note are new
        assert types.count("ticket.tags_changed") == 1 and types.count("ticket.status_changed") == 1
        assert types.count("reply.created") == 2 and types.count("note.created") == 2
        stored = await db.tickets.find_one({"_id": ticket["_id"]})
        assert stored is not None
        assert (stored["status"], stored["tags"], stored["reply_count"], stored["note_count"]) == (
            "Resolved", ["refund"], 2, 2
        )  # fmt: skip

    async def test_two_at_once_on_the_same_read_one_applies(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        ticket = await store_ticket(db, actors.customer, status="In Progress", agent=actors.agent)
        macro = await save(client, actors.admin)
        read = await client.get(
            f"/api/support/tickets/{ticket['_id']}/", headers=actors.admin.headers
        )
        answers = await asyncio.gather(
            *(client.post(apply_url(ticket, macro),
                          headers={**who.headers, "If-Match": read.headers["ETag"]})
              for who in (actors.agent, actors.admin))
        )  # fmt: skip
        assert sorted(a.status_code for a in answers) == [200, 412]
        assert await footprint(db, ticket) == (ticket.get("version", 0) + 1, 1, 1, 5)
