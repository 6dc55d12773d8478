"""Satisfaction surveys by the link in the Resolved mail, read from the test SMTP server."""

import hashlib
import re
from typing import Any

import httpx
from bson import ObjectId

from app.core.db import Database
from tests.conftest import Clock
from tests.factories import (
    Actors,
    assign,
    create_ticket,
    resolved_ticket,
    set_status,
    ticket_events,
)
from tests.mail.conftest import PUBLIC_URL, Mail

LINK = re.compile(re.escape(PUBLIC_URL) + r"/app/#/survey/([A-Za-z0-9_-]+)")


async def resolve(mail: Mail, ticket_id: str | None = None) -> str:
    a = mail.actors
    if ticket_id is None:
        ticket_id = (await create_ticket(mail.client, a.customer, subject="Broken lamp"))["id"]
        await assign(mail.client, ticket_id, a.agent)
    response = await set_status(mail.client, ticket_id, a.agent, "Resolved")
    assert response.status_code == 200, response.text
    return ticket_id


async def survey_token(mail: Mail) -> str:
    """The token in the newest Resolved mail the SMTP server received."""
    await mail.run()
    texts = [m.get_body(("plain",)).get_content() for m in mail.sink.messages()]  # type: ignore[union-attr]
    tokens = [t for text in texts for t in LINK.findall(text)]
    assert tokens, texts
    return tokens[-1]


async def survey(mail: Mail, token: str) -> Any:
    return await mail.client.get(f"/api/surveys/{token}/")


async def rate(mail: Mail, token: str, rating: str, **extra: Any) -> Any:
    return await mail.client.post(f"/api/surveys/{token}/", json={"rating": rating, **extra})


async def feedback_docs(mail: Mail, ticket_id: str) -> list[dict[str, Any]]:
    return await mail.app.state.db.feedback.find({"ticket_id": ObjectId(ticket_id)}).to_list()


class TestSurveyLink:
    async def test_the_resolved_mail_links_to_an_open_survey_showing_only_the_subject(
        self, mail: Mail
    ) -> None:
        await resolve(mail)
        token = await survey_token(mail)
        response = await survey(mail, token)
        assert response.status_code == 200
        assert response.json() == {"survey": {"ticket_subject": "Broken lamp", "status": "open"}}

    async def test_only_the_hash_is_stored_and_the_survey_remembers_the_resolution(
        self, mail: Mail
    ) -> None:
        ticket_id = await resolve(mail)
        token = await survey_token(mail)
        stored = await mail.app.state.db.surveys.find({"ticket_id": ObjectId(ticket_id)}).to_list()
        assert len(stored) == 1
        assert stored[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(stored[0])
        assert stored[0]["cycle"] == 1
        assert stored[0]["agent_id"] == ObjectId(mail.actors.agent.id)
        assert stored[0]["category"] == "Damaged"
        assert len(token) >= 22  # at least 128 random bits, base64url

    async def test_an_unknown_token_is_404(self, mail: Mail) -> None:
        response = await survey(mail, "not-a-token")
        assert response.status_code == 404
        assert (await rate(mail, "not-a-token", "5")).status_code == 404

    async def test_opening_the_link_records_nothing(self, mail: Mail) -> None:
        ticket_id = await resolve(mail)
        token = await survey_token(mail)
        await survey(mail, token)
        await survey(mail, token)
        assert await feedback_docs(mail, ticket_id) == []
        assert await ticket_events(mail.app.state.db, ticket_id, "feedback.submitted") == []


class TestRating:
    async def test_a_rating_is_the_feedback_of_the_cycle_with_its_event(self, mail: Mail) -> None:
        ticket_id = await resolve(mail)
        token = await survey_token(mail)
        response = await rate(mail, token, "4", comment="Quick")
        assert response.status_code == 200, response.text
        assert response.json() == {
            "survey": {
                "ticket_subject": "Broken lamp",
                "status": "answered",
                "rating": "4",
                "comment": "Quick",
            }
        }
        (stored,) = await feedback_docs(mail, ticket_id)
        assert (stored["rating"], stored["cycle"], stored["comment"]) == (4, 1, "Quick")
        (event,) = await ticket_events(mail.app.state.db, ticket_id, "feedback.submitted")
        assert event["data"]["cycle"] == 1
        assert event["data"]["feedback_id"] == str(stored["_id"])

    async def test_the_rating_can_be_changed_it_stays_one_feedback(self, mail: Mail) -> None:
        ticket_id = await resolve(mail)
        token = await survey_token(mail)
        await rate(mail, token, "2")
        response = await rate(mail, token, "5")
        assert response.json()["survey"]["rating"] == "5"
        (stored,) = await feedback_docs(mail, ticket_id)
        assert stored["rating"] == 5

    async def test_feedback_then_survey_is_the_same_feedback(self, mail: Mail) -> None:
        ticket_id = await resolve(mail)
        token = await survey_token(mail)
        given = await mail.client.post(
            f"/api/support/tickets/{ticket_id}/feedback/",
            json={"rating": "3"},
            headers=mail.actors.customer.headers,
        )
        assert given.status_code == 201, given.text
        assert (await survey(mail, token)).json()["survey"]["rating"] == "3"
        await rate(mail, token, "5")
        (stored,) = await feedback_docs(mail, ticket_id)
        assert str(stored["_id"]) == given.json()["feedback"]["id"]
        assert stored["rating"] == 5

    async def test_survey_then_feedback_is_refused_as_already_given(self, mail: Mail) -> None:
        ticket_id = await resolve(mail)
        await rate(mail, await survey_token(mail), "5")
        again = await mail.client.post(
            f"/api/support/tickets/{ticket_id}/feedback/",
            json={"rating": "1"},
            headers=mail.actors.customer.headers,
        )
        assert again.status_code == 400
        assert again.json()["code"] == "feedback_already_submitted"

    async def test_a_reopened_and_resolved_ticket_gets_a_new_survey(self, mail: Mail) -> None:
        ticket_id = await resolve(mail)
        first = await survey_token(mail)
        await rate(mail, first, "2")
        reopened = await set_status(mail.client, ticket_id, mail.actors.agent, "In Progress")
        assert reopened.status_code == 200
        await resolve(mail, ticket_id)
        second = await survey_token(mail)
        assert second != first
        assert (await survey(mail, second)).json()["survey"]["status"] == "open"
        await rate(mail, second, "5")
        ratings = sorted((f["cycle"], f["rating"]) for f in await feedback_docs(mail, ticket_id))
        assert ratings == [(1, 2), (2, 5)]
        given = await mail.client.post(
            f"/api/support/tickets/{ticket_id}/feedback/",
            json={"rating": "1"},
            headers=mail.actors.customer.headers,
        )
        assert given.json()["code"] == "feedback_already_submitted"


class TestExpiry:
    async def test_after_14_days_it_is_expired_and_a_rating_is_410(
        self, mail: Mail, clock: Clock
    ) -> None:
        await resolve(mail)
        token = await survey_token(mail)
        await rate(mail, token, "4")
        clock.advance(days=13, hours=23)
        assert (await rate(mail, token, "5")).status_code == 200
        clock.advance(hours=1)
        response = await rate(mail, token, "1")
        assert response.status_code == 410
        assert response.json() == {"error": "This survey has closed", "code": "survey_expired"}
        shown = (await survey(mail, token)).json()["survey"]
        assert (shown["status"], shown["rating"]) == ("expired", "5")


class TestOneTokenPerSurvey:
    async def test_a_dispatch_repeated_after_queueing_keeps_the_queued_token(
        self, mail: Mail
    ) -> None:
        """A dispatcher that stopped after queueing the mail and before the survey took its
        token: the next dispatch of the same event sends nothing new, and the survey takes
        the token of the message queued."""
        db = mail.app.state.db
        ticket_id = await resolve(mail)
        token = await survey_token(mail)
        await db.surveys.update_many({}, {"$unset": {"token_hash": ""}})
        await db.mail_cursor.update_one({"_id": "dispatch"}, {"$set": {"seq": 0}})
        await mail.run()
        assert len(await mail.outbox(ticket_id=ObjectId(ticket_id), kind="ticket_resolved")) == 1
        assert (await survey(mail, token)).json()["survey"]["status"] == "open"

    async def test_without_the_mail_the_survey_exists_without_a_link(self, mail: Mail) -> None:
        off = await mail.client.put(
            "/api/me/notifications/",
            json={"email": {"ticket_resolved": False}},
            headers=mail.actors.customer.headers,
        )
        ticket_id = await resolve(mail)
        await mail.run()
        (stored,) = await mail.app.state.db.surveys.find(
            {"ticket_id": ObjectId(ticket_id)}
        ).to_list()
        assert off.status_code == 200, off.text
        assert "token_hash" not in stored
        assert stored["cycle"] == 1


class TestReports:
    async def test_response_rate_is_answered_over_sent_by_the_resolutions_agent(
        self, mail: Mail
    ) -> None:
        a = mail.actors
        first = await resolve(mail)
        await rate(mail, await survey_token(mail), "4")
        await resolve(mail)
        await survey_token(mail)  # sent, not answered
        # Reopened and given to another agent: the survey keeps the agent of its resolution.
        await set_status(mail.client, first, a.agent, "In Progress")
        await mail.app.state.db.tickets.update_one(
            {"_id": ObjectId(first)}, {"$set": {"agent_id": ObjectId(a.other_agent.id)}}
        )
        report = await mail.client.get(
            "/api/admin/reports/overview/?group_by=agent", headers=a.admin.headers
        )
        assert report.status_code == 200, report.text
        surveys = report.json()["surveys"]
        assert (surveys["sent"], surveys["answered"], surveys["response_rate_percent"]) == (
            2,
            1,
            50.0,
        )
        assert [(g["key"], g["sent"], g["answered"]) for g in surveys["groups"]] == [
            (a.agent.id, 2, 1)
        ]

    async def test_csat_is_every_rating_and_its_response_rate_is_answered_over_sent(
        self, mail: Mail
    ) -> None:
        """Two surveys mailed, one answered by its link; a third resolution not mailed (the
        customer turned the mail off), rated through feedback/: two ratings, and a
        response rate of 1 of 2, the same in `csat` and `surveys`."""
        a = mail.actors
        await resolve(mail)
        await rate(mail, await survey_token(mail), "4")
        await resolve(mail)
        await survey_token(mail)  # sent, not answered
        off = await mail.client.put(
            "/api/me/notifications/",
            json={"email": {"ticket_resolved": False}},
            headers=a.customer.headers,
        )
        assert off.status_code == 200, off.text
        unsent = await resolve(mail)
        await mail.run()
        given = await mail.client.post(
            f"/api/support/tickets/{unsent}/feedback/",
            json={"rating": "2"},
            headers=a.customer.headers,
        )
        assert given.status_code == 201, given.text
        report = await mail.client.get("/api/admin/reports/overview/", headers=a.admin.headers)
        body = report.json()
        assert body["totals"]["csat"] == {
            "responses": 2,
            "average": 3.0,
            "distribution": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0},
            "response_rate_percent": 50.0,
        }
        surveys = body["surveys"]
        assert (surveys["sent"], surveys["answered"], surveys["rated"]) == (2, 1, 2)
        assert (surveys["response_rate_percent"], surveys["average"]) == (50.0, 3.0)


class TestAMergedTicketsSurvey:
    async def test_is_refused_as_feedback_is(self, mail: Mail) -> None:
        """Its rating belongs to the ticket it was merged into: the link answers as
        feedback/ does, and stores nothing."""
        a = mail.actors
        source = await resolve(mail)
        token = await survey_token(mail)
        target = (await create_ticket(mail.client, a.customer, subject="Lamp, again"))["id"]
        await assign(mail.client, target, a.agent)
        merged = await mail.client.post(
            f"/api/support/tickets/{target}/merge/",
            json={"source_ticket_ids": [source]},
            headers=a.agent.headers,
        )
        assert merged.status_code == 200, merged.text
        by_link = await rate(mail, token, "5")
        by_feedback = await mail.client.post(
            f"/api/support/tickets/{source}/feedback/",
            json={"rating": "5"},
            headers=a.customer.headers,
        )
        assert by_link.status_code == by_feedback.status_code == 400
        assert by_link.json() == by_feedback.json()
        assert by_link.json()["code"] == "ticket_merged"
        assert await feedback_docs(mail, source) == []
        assert await ticket_events(mail.app.state.db, source, "feedback.submitted") == []


class TestFeedbackOncePerResolution:
    async def test_after_a_reopening_and_a_new_resolution_feedback_is_taken_again(
        self, client: httpx.AsyncClient, db: Database, actors: Actors
    ) -> None:
        """feedback/ alone (no mail): 201, reopened, resolved again, 201 again; each
        `feedback.submitted` event names the resolution cycle it rated."""
        customer, agent = actors.customer, actors.agent

        async def give(rating: str) -> httpx.Response:
            return await client.post(
                f"/api/support/tickets/{ticket_id}/feedback/",
                json={"rating": rating},
                headers=customer.headers,
            )

        ticket_id = await resolved_ticket(client, customer, agent)
        assert (await give("2")).status_code == 201
        assert (await set_status(client, ticket_id, agent, "In Progress")).status_code == 200
        assert (await set_status(client, ticket_id, agent, "Resolved")).status_code == 200
        second = await give("5")
        assert second.status_code == 201, second.text
        assert second.json()["feedback"]["rating"] == "5"
        assert (await give("1")).json()["code"] == "feedback_already_submitted"
        submitted = await ticket_events(db, ticket_id, "feedback.submitted")
        assert [(e["data"]["cycle"], e["data"]["rating"]) for e in submitted] == [(1, 2), (2, 5)]
