"""The ticket lists: a customer's own, an agent's queue, the admin's view. Each narrows the
caller's visible scopes (policy.visible_to) by the filters asked for, so a filter can only
take away, and reads one keyset page with the names it shows."""

from typing import Any, Literal

from bson import ObjectId

from app.auth import queries as user_queries
from app.auth.principal import User
from app.core.db import Database
from app.core.pagination import Filter
from app.tickets import policy, queries
from app.tickets.documents import Category, TicketDoc, TicketStatus

Page = tuple[list[TicketDoc], str | None]


async def list_for_customer(
    *, db: Database, customer: User, limit: int, cursor: str | None
) -> Page:
    return await queries.page_of_tickets(
        db, policy.visible_to(customer), limit=limit, cursor=cursor
    )


async def list_queue_for_agent(
    *,
    db: Database,
    agent: User,
    status: TicketStatus | None,
    assigned_to: Literal["me", "unassigned"] | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The agent's own tickets plus the unassigned ones, each with its customer's name."""
    wanted: Filter = {}
    if assigned_to is not None:
        wanted["agent_id"] = agent.id if assigned_to == "me" else None
    if status is not None:
        wanted["status"] = status.value
    scopes = policy.narrow(policy.visible_to(agent), wanted)
    page, next_cursor = await queries.page_of_tickets(db, scopes, limit=limit, cursor=cursor)
    names = await user_queries.names_by_id(db, {t["customer_id"] for t in page})
    return [{**t, "customer_name": names.get(t["customer_id"])} for t in page], next_cursor


async def list_all_for_admin(
    *,
    db: Database,
    admin: User,
    status: TicketStatus | None,
    category: Category | None,
    agent_id: ObjectId | None,
    customer_id: ObjectId | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Every ticket the caller may see (an admin: all), with customer's and agent's names."""
    wanted: Filter = {
        field: value
        for field, value in (
            ("status", status.value if status else None),
            ("category", category.value if category else None),
            ("agent_id", agent_id),
            ("customer_id", customer_id),
        )
        if value is not None
    }
    scopes = policy.narrow(policy.visible_to(admin), wanted)
    page, next_cursor = await queries.page_of_tickets(db, scopes, limit=limit, cursor=cursor)
    people = {t["customer_id"] for t in page} | {t["agent_id"] for t in page if t["agent_id"]}
    names = await user_queries.names_by_id(db, people)
    items = [
        {
            **t,
            "customer_name": names.get(t["customer_id"]),
            "agent_name": names.get(t["agent_id"]) if t["agent_id"] else None,
        }
        for t in page
    ]
    return items, next_cursor
