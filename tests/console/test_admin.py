"""An admin works the console in a real browser: approves a waiting agent (who can then work),
deactivates and activates people, reassigns a ticket, edits the FAQ and the SLA policy, reads
the reports' charts and manages webhooks; no serious accessibility violation on any admin
screen."""

import re
import uuid
from collections.abc import Callable

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.console.conftest import Console, log_in, serious_violations

# A public address (webhook URLs must be global): nothing there answers a delivery with 2xx.
HOOK_URL = "https://93.184.215.14/support-hook"


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def api(
    console: Console, method: str, path: str, user: dict[str, str], **kw: object
) -> httpx.Response:
    return httpx.request(
        method, f"{console.base}{path}", headers=console.headers(user), timeout=10, **kw
    )  # type: ignore[arg-type]


def ticket(console: Console, customer: dict[str, str], subject: str) -> str:
    body = {"subject": subject, "description": "It never came.", "category": "Lost"}
    answer = api(console, "POST", "/api/support/tickets/create/", customer, json=body)
    assert answer.status_code == 201, answer.text
    ticket_id: str = answer.json()["ticket"]["id"]
    return ticket_id


def row(list_: Locator, text: str) -> Locator:
    return list_.get_by_role("listitem").filter(has_text=text)


def go(page: Page, nav: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=nav).click()


class TestAgentApproval:
    def test_an_approved_agent_is_no_longer_refused(
        self, admin_page: Page, open_page: Callable[[], Page], console: Console
    ) -> None:
        agent = console.agent(unique("Wendy Waiting"), approved=False)
        refused = api(console, "GET", "/api/agent/tickets/", agent)
        assert refused.status_code == 403, refused.text

        go(admin_page, "Agents")
        waiting = admin_page.get_by_role("list", name="Waiting for approval")
        waiting.get_by_role("button", name=f"Approve {agent['name']}").click()
        approved = admin_page.get_by_role("list", name="Approved agents")
        expect(row(approved, agent["name"])).to_contain_text("Active")
        expect(waiting.get_by_text(agent["name"])).to_have_count(0)

        # The agent, at the same time in a browser of their own, now works.
        theirs = log_in(open_page(), console, agent)
        expect(theirs.get_by_role("heading", level=1)).to_have_text("Queue")
        queue = theirs.get_by_role("list", name="Tickets")
        expect(queue.or_(theirs.get_by_text("No tickets here."))).to_be_visible()
        expect(theirs.get_by_role("alert")).to_have_count(0)


class TestActivation:
    def test_deactivate_then_activate_an_agent(self, admin_page: Page, console: Console) -> None:
        agent = console.agent(unique("Dora Dormant"))
        go(admin_page, "Agents")
        mine = row(admin_page.get_by_role("list", name="Approved agents"), agent["name"])
        mine.get_by_role("button", name=f"Deactivate {agent['name']}").click()
        expect(mine).to_contain_text("Deactivated")
        credentials = {"email": agent["email"], "password": agent["password"]}
        login = httpx.post(f"{console.base}/api/auth/login/", json=credentials, timeout=10)
        assert login.status_code in (401, 403), login.text

        mine.get_by_role("button", name=f"Activate {agent['name']}").click()
        expect(mine.get_by_role("button", name=f"Deactivate {agent['name']}")).to_be_visible()
        expect(mine).to_contain_text("Active")
        login = httpx.post(f"{console.base}/api/auth/login/", json=credentials, timeout=10)
        assert login.status_code == 200, login.text

    def test_deactivate_a_customer_from_their_ticket(
        self, admin_page: Page, console: Console
    ) -> None:
        customer = console.customer(unique("Carl Cust"))
        subject = unique("Lost parcel")
        ticket(console, customer, subject)
        go(admin_page, "All tickets")
        admin_page.get_by_label("Search").fill(subject)
        admin_page.get_by_role("button", name="Search").click()
        found = row(admin_page.get_by_role("list", name="Tickets"), subject)
        found.get_by_text(f"Customer: {customer['name']}").click()
        found.get_by_role("button", name=f"Deactivate customer {customer['name']}").click()
        expect(found).to_contain_text("Deactivated")
        answer = api(
            console,
            "GET",
            f"/api/admin/support/tickets/?customer_id={customer['id']}",
            console.admin,
        )
        assert answer.status_code == 200
        credentials = {"email": customer["email"], "password": customer["password"]}
        login = httpx.post(f"{console.base}/api/auth/login/", json=credentials, timeout=10)
        assert login.status_code in (401, 403), login.text


class TestAllTickets:
    def test_reassign_a_ticket_to_another_agent(self, admin_page: Page, console: Console) -> None:
        first, second = console.agent(unique("Fay First")), console.agent(unique("Sam Second"))
        subject = unique("Crushed box")
        ticket_id = ticket(console, console.customer(), subject)
        taken = api(console, "POST", f"/api/support/tickets/{ticket_id}/assign-self/", first)
        assert taken.status_code == 200, taken.text

        go(admin_page, "All tickets")
        admin_page.get_by_label("Search").fill(subject)
        admin_page.get_by_role("button", name="Search").click()
        found = row(admin_page.get_by_role("list", name="Tickets"), subject)
        expect(found).to_contain_text(f"Agent: {first['name']}")
        found.get_by_role("button", name="Reassign").click()  # no agent chosen: the API says so
        expect(found.get_by_role("alert")).to_contain_text("agent id")
        found.get_by_label("Reassign to").select_option(label=second["name"])
        found.get_by_role("button", name="Reassign").click()
        expect(found).to_contain_text(f"Agent: {second['name']}")
        detail = api(console, "GET", f"/api/support/tickets/{ticket_id}/", console.admin)
        assert detail.json()["ticket"]["agent_id"] == second["id"]

    def test_filters_narrow_the_list(self, admin_page: Page, console: Console) -> None:
        subject = unique("Late sofa")
        ticket(console, console.customer(), subject)
        go(admin_page, "All tickets")
        admin_page.get_by_label("Search").fill(subject)
        admin_page.get_by_role("button", name="Search").click()
        tickets = admin_page.get_by_role("list", name="Tickets")
        expect(row(tickets, subject)).to_have_count(1)
        admin_page.get_by_label("Status").select_option("Resolved")
        expect(admin_page.get_by_text("No tickets match.")).to_be_visible()
        admin_page.get_by_label("Status").select_option("Open")
        admin_page.get_by_label("Agent").select_option("Unassigned")
        expect(row(tickets, subject)).to_have_count(1)


class TestFaq:
    def test_add_edit_and_delete_a_question(self, admin_page: Page, console: Console) -> None:
        question = unique("Can I change my address?")
        go(admin_page, "Edit FAQ")
        adding = admin_page.get_by_role("form", name="Add a question")
        adding.get_by_role("button", name="Add question").click()
        expect(adding.get_by_label("Question")).to_have_attribute("aria-invalid", "true")
        adding.get_by_label("Question").fill(question)
        adding.get_by_label("Answer").fill("Yes, until the parcel ships.")
        adding.get_by_label("Category").select_option("Late")
        adding.get_by_role("button", name="Add question").click()
        questions = admin_page.get_by_role("list", name="Questions")
        expect(row(questions, question)).to_contain_text("until the parcel ships")

        row(questions, question).get_by_role("button", name=f"Edit: {question}").click()
        editing = admin_page.get_by_role("form", name=f"Edit: {question}")
        editing.get_by_label("Answer").fill("Yes, from your account page.")
        editing.get_by_role("button", name="Save").click()
        expect(row(questions, question)).to_contain_text("from your account page")
        public = httpx.get(f"{console.base}/api/support/faq/?category=Late&limit=100").json()
        assert [f["answer"] for f in public["faqs"] if f["question"] == question] == [
            "Yes, from your account page."
        ]

        row(questions, question).get_by_role("button", name=f"Delete: {question}").click()
        row(questions, question).get_by_role("button", name="Yes, delete").click()
        expect(row(questions, question)).to_have_count(0)


class TestSlaPolicy:
    def test_save_a_target_and_see_a_refused_value_at_its_field(
        self, admin_page: Page, console: Console
    ) -> None:
        before = api(console, "GET", "/api/admin/sla-policy/", console.admin).json()
        try:
            go(admin_page, "SLA policy")
            high = admin_page.get_by_label("High: first response (minutes)")
            high.fill("0")
            admin_page.get_by_role("button", name="Save policy").click()
            expect(high).to_have_attribute("aria-invalid", "true")
            expect(high).to_have_attribute("aria-describedby", re.compile("error"))
            expect(admin_page.get_by_role("alert")).to_contain_text("correct the marked fields")

            high.fill("45")
            admin_page.get_by_label("Monday hours").fill("09:00-12:00, 13:00-18:00")
            admin_page.get_by_role("button", name="Save policy").click()
            expect(admin_page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
            expect(high).not_to_have_attribute("aria-invalid", "true")
            after = api(console, "GET", "/api/admin/sla-policy/", console.admin).json()
            assert after["targets"]["High"]["first_response_minutes"] == 45
            assert after["calendar"]["hours"]["monday"] == [["09:00", "12:00"], ["13:00", "18:00"]]
        finally:  # the server is shared by the other console tests: leave the policy as it was
            put = api(console, "PUT", "/api/admin/sla-policy/", console.admin, json=before)
            assert put.status_code == 200, put.text


class TestReports:
    def test_the_charts_are_drawn_from_the_tickets(
        self, admin_page: Page, console: Console
    ) -> None:
        customer, agent = console.customer(), console.agent()
        for n in range(3):
            ticket_id = ticket(console, customer, unique(f"Report seed {n}"))
            path = f"/api/support/tickets/{ticket_id}"
            assert api(console, "POST", f"{path}/assign-self/", agent).status_code == 200
            status = {"status": "Resolved"}
            assert (
                api(console, "PUT", f"{path}/update-status/", agent, json=status).status_code == 200
            )
            rating = {"rating": 5 - n}
            assert (
                api(console, "POST", f"{path}/feedback/", customer, json=rating).status_code == 201
            )
        go(admin_page, "Reports")
        per_day = admin_page.get_by_role("img", name="Tickets created and resolved per day")
        expect(per_day).to_be_visible()
        expect(per_day.locator("rect.bar")).not_to_have_count(0)
        expect(per_day).to_have_accessible_description(re.compile(r"\d+ created, \d+ resolved"))
        expect(admin_page.get_by_role("img", name="SLA attainment")).to_be_visible()
        csat = admin_page.get_by_role("img", name="Customer satisfaction ratings")
        expect(csat).to_have_accessible_description(re.compile(r"3 of 5: [1-9].*5 of 5: [1-9]"))

    def test_a_refused_period_is_said_at_its_field(self, admin_page: Page) -> None:
        go(admin_page, "Reports")
        admin_page.get_by_label("From").fill("2020-01-01")
        admin_page.get_by_role("button", name="Show").click()
        expect(admin_page.locator("#field-from-error")).to_contain_text("366 days")


class TestWebhooks:
    def test_create_see_the_secret_once_send_a_test_and_retry_its_delivery(
        self, admin_page: Page
    ) -> None:
        go(admin_page, "Webhooks")
        admin_page.get_by_label("URL").fill("http://localhost/hook")
        admin_page.get_by_role("button", name="Add webhook").click()
        expect(admin_page.get_by_label("URL")).to_have_attribute("aria-invalid", "true")

        url = f"{HOOK_URL}/{uuid.uuid4().hex[:6]}"
        admin_page.get_by_label("URL").fill(url)
        admin_page.get_by_label("Event types (optional)").fill("ticket.created, reply.created")
        admin_page.get_by_role("button", name="Add webhook").click()
        expect(admin_page.get_by_role("status").filter(has_text="whsec_")).to_be_visible()

        hook = row(admin_page.get_by_role("list", name="Webhooks"), url)
        expect(hook).to_contain_text("ticket.created, reply.created")
        hook.get_by_role("button", name="Send test event").click()
        hook.get_by_role("button", name="Deliveries").click()
        delivery = hook.get_by_role("list", name="Deliveries").get_by_role("listitem")
        expect(delivery).to_contain_text("webhook.test")  # the deliveries refresh while pending
        delivery.get_by_role("button", name="Retry webhook.test").click()
        expect(delivery.get_by_role("status")).to_contain_text("Queued again")


class TestAccessibility:
    def test_no_serious_violation_on_any_admin_screen(
        self, admin_page: Page, console: Console
    ) -> None:
        ticket(console, console.customer(), unique("Accessible ticket"))
        console.agent(unique("Alan Access"), approved=False)
        found: dict[str, object] = {}
        for nav in ("All tickets", "Agents", "Reports", "SLA policy", "Edit FAQ", "Webhooks"):
            go(admin_page, nav)
            expect(
                admin_page.get_by_role(
                    "heading", level=1, name=nav.replace("Edit FAQ", "Edit the FAQ")
                )
            ).to_be_visible()
            expect(admin_page.get_by_role("main").get_by_role("button").first).to_be_visible()
            expect(admin_page.get_by_role("status").filter(has_text="Loading")).to_have_count(0)
            found[nav] = serious_violations(admin_page)
        assert all(not violations for violations in found.values()), found
