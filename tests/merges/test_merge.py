"""Issue 23, merge: POST /api/support/tickets/{ticket_id}/merge/ folds a customer's duplicate
tickets into one, in one transaction, with nothing lost and nothing half done."""

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import Conflict
from app.events import record as events
from app.events.documents import EventType, actor_of
from app.tickets import activity, breaches, policy, service
from app.tickets.schemas import NoteIn
from app.tickets.write import TicketEvent
from tests.factories import Actor, Actors, store_ticket, ticket_events
from tests.tickets.test_policy import caller


def url(ticket_id: object, action: str = "merge/") -> str:
    return f"/api/support/tickets/{ticket_id}/{action}"


async def merge(
    client: httpx.AsyncClient, target: object, sources: list[Any], by: Actor, **extra: Any
) -> httpx.Response:
    body = {"source_ticket_ids": [str(s) for s in sources], **extra}
    return await client.post(url(target), json=body, headers=by.headers)


async def ticket_of(
    db: Database, actors: Actors, *, customer: Actor | None = None, **fields: Any
) -> str:
    """A ticket of the customer (or `customer`), assigned to the agent unless told."""
    fields.setdefault("status", "In Progress")
    fields.setdefault("agent", actors.agent)
    return str((await store_ticket(db, customer or actors.customer, **fields))["_id"])


async def stored(db: Database, ticket_id: str) -> dict[str, Any]:
    ticket = await db.tickets.find_one({"_id": ObjectId(ticket_id)})
    assert ticket is not None
    return ticket


async def post(client: httpx.AsyncClient, path: str, by: Actor, **kw: Any) -> dict[str, Any]:
    response = await client.post(path, headers=by.headers, **kw)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def upload(client: httpx.AsyncClient, ticket_id: str, by: Actor, visibility: str) -> str:
    files = {"file": (f"{visibility}.txt", b"order 42, paid", "text/plain")}
    body = await post(
        client, url(ticket_id, "attachments/"), by, files=files, data={"visibility": visibility}
    )
    return str(body["attachment"]["id"])


class TestMergeMovesEverything:
    async def test_replies_notes_and_files_move_in_time_order_and_are_counted(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        target = await ticket_of(db, actors, subject="Parcel late")
        source = await ticket_of(db, actors, subject="Blender scratched", description="x")
        other = await ticket_of(db, actors, status="On Hold", subject="Toaster")
        customer, agent = actors.customer, actors.agent
        thread = []
        for ticket_id, by in ((source, customer), (target, agent), (source, agent)):
            reply = await post(client, url(ticket_id, "replies/"), by, json={"body": "hello"})
            thread.append(reply["reply"]["id"])
        public = await upload(client, source, customer, "public")
        internal = await upload(client, other, agent, "internal")
        await post(
            client,
            url(other, "add-note/"),
            agent,
            json={"note": "fragile", "attachment_ids": [internal]},
        )

        response = await merge(client, target, [source, other], agent, note="Same order")

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["message"] == "Tickets merged successfully"
        assert body["ticket"]["id"] == target and body["ticket"]["merged_into"] is None
        assert body["ticket"]["reply_count"] == 3
        assert response.headers["ETag"] == f'"{(await stored(db, target))["version"]}"'
        replies = (await client.get(url(target, "replies/"), headers=customer.headers)).json()
        assert [r["id"] for r in replies["replies"]] == thread
        detail = (await client.get(url(target, ""), headers=agent.headers)).json()
        notes = detail["internal_notes"]
        assert [n["note"] for n in notes] == ["fragile", "Same order"]
        assert notes[0]["attachments"][0]["ticket_id"] == target
        files = (await client.get(url(target, "attachments/"), headers=agent.headers)).json()
        assert [a["id"] for a in files["attachments"]] == [public, internal]
        seen = (await client.get(url(target, "attachments/"), headers=customer.headers)).json()
        assert [a["id"] for a in seen["attachments"]] == [public]
        after = await stored(db, target)
        assert (after["reply_count"], after["note_count"], after["attachment_count"]) == (3, 2, 2)
        download = await client.get(f"/api/support/attachments/{public}/", headers=agent.headers)
        assert download.content == b"order 42, paid"

    async def test_sources_are_closed_and_say_where_they_went(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        target, source = await ticket_of(db, actors), await ticket_of(db, actors, status="On Hold")
        assert (await merge(client, target, [source], actors.admin)).status_code == 200
        for viewer in (actors.customer, actors.agent, actors.admin):
            detail = (await client.get(url(source, ""), headers=viewer.headers)).json()
            assert detail["ticket"]["status"] == "Closed"
            assert detail["ticket"]["merged_into"] == target
            assert detail["ticket"]["reply_count"] == 0
        listed = (await client.get("/api/support/tickets/", headers=actors.customer.headers)).json()
        assert {(t["id"], t["status"]) for t in listed["tickets"]} == {
            (target, "In Progress"),
            (source, "Closed"),
        }
        stored_source = await stored(db, source)
        assert stored_source["sla_paused_at"] is None and stored_source["closed_at"] is not None

    async def test_events_on_both_sides_are_public(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        target = await ticket_of(db, actors)
        sources = [await ticket_of(db, actors), await ticket_of(db, actors)]
        assert (await merge(client, target, sources, actors.agent)).status_code == 200
        [on_target] = await ticket_events(db, target, "ticket.merged")
        assert on_target["data"] == {"source_ticket_ids": sources}
        assert on_target["visibility"] == "public"
        for source in sources:
            [on_source] = await ticket_events(db, source, "ticket.merged")
            assert on_source["data"] == {"merged_into": target}
            assert on_source["visibility"] == "public"
            [closed] = await ticket_events(db, source, "ticket.status_changed")
            assert closed["data"] == {"from": "In Progress", "to": "Closed"}
        timeline = await client.get(url(sources[0], "events/"), headers=actors.customer.headers)
        assert "ticket.merged" in [e["type"] for e in timeline.json()["events"]]

    async def test_search_finds_the_target_by_the_sources_words(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        target = await ticket_of(db, actors, subject="Parcel late", description="late")
        source = await ticket_of(db, actors, subject="Blender", description="Scratched")
        await post(client, url(source, "replies/"), actors.customer, json={"body": "Zanzibar"})
        assert (await merge(client, target, [source], actors.agent)).status_code == 200
        for words in ("blender", "scratch", "zanzibar"):
            found = await client.get(
                "/api/support/tickets/", params={"q": words}, headers=actors.customer.headers
            )
            assert target in [t["id"] for t in found.json()["tickets"]], words

    async def test_a_sources_feedback_stays_with_it(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        target, source = await ticket_of(db, actors), await ticket_of(db, actors, status="Resolved")
        await post(client, url(source, "feedback/"), actors.customer, json={"rating": "4"})
        assert (await merge(client, target, [source], actors.agent)).status_code == 200
        feedback = await db.feedback.find({"customer_id": ObjectId(actors.customer.id)}).to_list()
        assert [f["ticket_id"] for f in feedback] == [ObjectId(source)]


class TestAMergedSourceTakesNoMoreChanges:
    async def test_no_reopening_reply_feedback_or_second_merge(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        target, source = await ticket_of(db, actors), await ticket_of(db, actors, status="Resolved")
        assert (await merge(client, target, [source], actors.agent)).status_code == 200
        version = (await stored(db, source))["version"]
        reopen = await client.put(
            url(source, "update-status/"),
            json={"status": "In Progress"},
            headers=actors.agent.headers,
        )
        assert reopen.status_code == 400
        reply = await client.post(
            url(source, "replies/"), json={"body": "hi"}, headers=actors.customer.headers
        )
        assert reply.json()["code"] == "ticket_closed"
        feedback = await client.post(
            url(source, "feedback/"), json={"rating": "5"}, headers=actors.customer.headers
        )
        assert (feedback.status_code, feedback.json()["code"]) == (400, "ticket_merged")
        other = await ticket_of(db, actors)
        again = await merge(client, other, [source], actors.agent)
        assert (again.status_code, again.json()["code"]) == (400, "ticket_merged")
        into_merged = await merge(client, source, [other], actors.admin)
        assert (into_merged.status_code, into_merged.json()["code"]) == (400, "ticket_merged")
        assert (await stored(db, source))["version"] == version

    async def test_a_note_or_file_read_before_the_merge_is_refused_after_it(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        """Written by someone who read the source before it was merged: not stranded on it."""
        target, source = await ticket_of(db, actors), await ticket_of(db, actors)
        as_read = await service.get_ticket(db=db, ticket_id=source)
        assert (await merge(client, target, [source], actors.admin)).status_code == 200
        agent = caller(actors.agent)
        with pytest.raises(Conflict):
            await activity.add_internal_note(
                db=db,
                permit=policy.permit(agent, as_read, policy.Action.WORK),
                data=NoteIn(note="late"),
            )
        added = TicketEvent(EventType.ATTACHMENT_ADDED, actor_of(agent), "public", {})
        permit = policy.permit(agent, as_read, policy.Action.ATTACH_PUBLIC)
        with pytest.raises(Conflict):
            await events.in_transaction(
                db,
                lambda session: activity.reserve_attachment_slot(
                    db=db, session=session, permit=permit, limit=10, added=added
                ),
            )
        assert await db.ticket_notes.count_documents({"ticket_id": ObjectId(source)}) == 0
        assert (await stored(db, source))["attachment_count"] == 0

    async def test_the_sla_sweeper_records_no_breach_on_it(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        target, source = await ticket_of(db, actors), await ticket_of(db, actors)
        assert (await merge(client, target, [source], actors.agent)).status_code == 200
        await breaches.record_overdue_breaches(db=db, now=utcnow() + timedelta(days=30))
        assert (await stored(db, source))["sla_breached"] == []
        assert (await stored(db, target))["sla_breached"] != []  # the sweep did run


class TestRefusals:
    @pytest.mark.parametrize(
        "sources",
        [[], ["s"] * 11, ["s", "s"], ["t"], ["nope"]],
        ids=["none", "eleven", "twice", "itself", "malformed"],
    )
    async def test_field_errors(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, sources: list[str]
    ) -> None:
        target, source = await ticket_of(db, actors), await ticket_of(db, actors)
        named = [{"s": source, "t": target}.get(s, s) for s in sources]
        response = await merge(client, target, named, actors.agent)
        assert response.status_code == 400, response.text
        [field] = response.json()  # a malformed id: "source_ticket_ids.0"
        assert field.startswith("source_ticket_ids")
        assert (await stored(db, source))["status"] == "In Progress"

    async def test_different_customers(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        target = await ticket_of(db, actors)
        theirs = await ticket_of(db, actors, customer=actors.other_customer)
        response = await merge(client, target, [theirs], actors.admin)
        assert (response.status_code, response.json()["code"]) == (400, "merge_different_customers")

    @pytest.mark.parametrize("closed", ["source", "target"])
    async def test_closed_tickets(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, closed: str
    ) -> None:
        tickets = {"source": await ticket_of(db, actors), "target": await ticket_of(db, actors)}
        tickets[closed] = await ticket_of(db, actors, status="Closed")
        response = await merge(client, tickets["target"], [tickets["source"]], actors.admin)
        assert (response.status_code, response.json()["code"]) == (400, "ticket_merged")

    async def test_an_unseen_source_is_answered_as_an_unknown_one(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        target = await ticket_of(db, actors)
        hidden = await ticket_of(db, actors, agent=actors.other_agent)
        unknown = await merge(client, target, [ObjectId()], actors.agent)
        unseen = await merge(client, target, [hidden], actors.agent)
        assert unknown.status_code == unseen.status_code == 404
        assert unknown.json() == unseen.json() == {"error": "Ticket not found", "code": "not_found"}

    async def test_a_source_the_agent_may_see_but_not_work_on(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        target = await ticket_of(db, actors)
        queued = await ticket_of(db, actors, agent=None, status="Open")
        response = await merge(client, target, [queued], actors.agent)
        assert response.status_code == 403
        assert (await stored(db, queued))["status"] == "Open"


class TestSimultaneousMerges:
    async def test_one_source_into_two_targets_at_once_one_wins_the_other_changes_nothing(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        for _ in range(4):
            source = await ticket_of(db, actors)
            await post(client, url(source, "replies/"), actors.customer, json={"body": "hi"})
            targets = [await ticket_of(db, actors), await ticket_of(db, actors)]
            before = {t: await stored(db, t) for t in targets}
            answers = await asyncio.gather(
                *(merge(client, t, [source], actors.admin) for t in targets)
            )
            codes = sorted(a.status_code for a in answers)
            assert codes in ([200, 400], [200, 409]), [a.text for a in answers]
            won, lost = sorted(zip(answers, targets, strict=True), key=lambda a: a[0].status_code)
            if lost[0].status_code == 400:
                assert lost[0].json()["code"] == "ticket_merged"
            else:
                assert lost[0].json()["code"] == "changed_concurrently"
            assert (await stored(db, source))["merged_into"] == ObjectId(won[1])
            assert await stored(db, lost[1]) == before[lost[1]]
            assert await ticket_events(db, lost[1], "ticket.merged") == []
            assert len(await ticket_events(db, source, "ticket.merged")) == 1
            replies = await db.ticket_replies.find({"body": "hi"}).to_list()
            assert {r["ticket_id"] for r in replies} >= {ObjectId(won[1])}
            assert not any(r["ticket_id"] == ObjectId(lost[1]) for r in replies)
