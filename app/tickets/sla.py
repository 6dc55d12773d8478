"""The SLA clock of a ticket: the promise per priority (the policy an admin keeps with
`PUT /api/admin/sla-policy/`), the deadlines each ticket stores, and how each change moves them.

Rules (the README has them as a table):
- creation: first response due `target` after creation, resolution due `target` after creation,
  both in the policy's business time;
- a priority change recomputes both from the creation time, with the new priority's targets;
- On Hold pauses the resolution clock; leaving On Hold moves its deadline by the business time
  spent on hold;
- reopening (Resolved to In Progress, by a status change or a customer's reply) restarts the
  resolution clock from the reopening;
- a deadline passed before it was met is `breached`, recorded once: by the write that meets it
  late, or by the sweeper (app/sla/sweeper.py) soon after it passes.
A policy change applies to tickets created or re-prioritised afterwards: the others keep the
deadlines they store.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, TypedDict

from app.core.business_time import BusinessCalendar
from app.core.db import Database
from app.tickets import queries
from app.tickets.documents import (
    FINISHED,
    Deadline,
    Priority,
    TicketStatus,
    next_due,
    running_deadlines,
)

POLICY_ID = "current"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class TargetsDoc(TypedDict):
    first_response_minutes: int
    resolution_minutes: int


class CalendarDoc(TypedDict):
    timezone: str
    hours: dict[str, list[list[str]]]  # weekday name -> [["09:00", "18:00"]]; {}: 24x7
    holidays: list[str]  # ISO dates, in the calendar's time zone


class PolicyDoc(TypedDict):
    _id: str
    targets: dict[str, TargetsDoc]  # by Priority value
    calendar: CalendarDoc
    updated_at: datetime | None
    updated_by: Any


def default_policy_doc() -> PolicyDoc:
    def minutes(first: int, resolution: int) -> TargetsDoc:
        return TargetsDoc(first_response_minutes=first, resolution_minutes=resolution)

    return PolicyDoc(
        _id=POLICY_ID,
        targets={
            Priority.HIGH.value: minutes(60, 8 * 60),
            Priority.MEDIUM.value: minutes(4 * 60, 24 * 60),
            Priority.LOW.value: minutes(8 * 60, 72 * 60),
        },
        calendar=CalendarDoc(timezone="UTC", hours={}, holidays=[]),
        updated_at=None,
        updated_by=None,
    )


def _clock(hhmm: str) -> time:
    return time(0) if hhmm == "24:00" else time.fromisoformat(hhmm)  # 24:00: midnight after


@dataclass(frozen=True)
class SlaPolicy:
    targets: dict[str, tuple[timedelta, timedelta]]  # priority -> (first response, resolution)
    calendar: BusinessCalendar

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> "SlaPolicy":
        cal = doc["calendar"]
        hours = {
            WEEKDAYS.index(day): tuple((_clock(opens), _clock(closes)) for opens, closes in spans)
            for day, spans in cal["hours"].items()
            if spans
        }
        return cls(
            targets={
                priority: (
                    timedelta(minutes=t["first_response_minutes"]),
                    timedelta(minutes=t["resolution_minutes"]),
                )
                for priority, t in doc["targets"].items()
            },
            calendar=BusinessCalendar(
                timezone=cal["timezone"],
                hours=hours,
                holidays=frozenset(date.fromisoformat(d) for d in cal["holidays"]),
            ),
        )


async def load_policy_doc(db: Database) -> PolicyDoc:
    found = await queries.find_sla_policy(db, POLICY_ID)
    return found if found is not None else default_policy_doc()  # type: ignore[return-value]


async def load_policy(db: Database) -> SlaPolicy:
    return SlaPolicy.from_doc(await load_policy_doc(db))


DEFAULT_POLICY = SlaPolicy.from_doc(default_policy_doc())

# --- the clock ------------------------------------------------------------------------------


def start_clock(policy: SlaPolicy, *, priority: str, created_at: datetime) -> dict[str, Any]:
    first, resolution = policy.targets[priority]
    return {
        "first_response_due_at": policy.calendar.add(created_at, first),
        "resolution_due_at": policy.calendar.add(created_at, resolution),
        "sla_started_at": created_at,  # of the resolution clock: creation, or the last reopening
        "sla_paused_at": None,
        "sla_paused_seconds": 0.0,  # business time on hold since sla_started_at
        "sla_breached": [],
    }


def _late(ticket: Mapping[str, Any], kind: Deadline, met_at: datetime) -> bool:
    due = ticket.get(f"{kind}_due_at")
    return due is not None and met_at > due and kind not in ticket.get("sla_breached", [])


def advance(
    policy: SlaPolicy, before: Mapping[str, Any], after: Mapping[str, Any], now: datetime
) -> tuple[dict[str, Any], list[Deadline]]:
    """What a change from `before` to `after` (status, priority, first response) does to the
    SLA fields: the fields to write and the deadlines this change meets late."""
    cal = policy.calendar
    old, new = before["status"], after["status"]
    changes: dict[str, Any] = {}
    paused_at = before.get("sla_paused_at")
    paused = float(before.get("sla_paused_seconds") or 0.0)
    started = before.get("sla_started_at") or before["created_at"]
    due = before.get("resolution_due_at")
    if paused_at is not None and new != TicketStatus.ON_HOLD:  # resumed
        paused += cal.between(paused_at, now).total_seconds()
        if due is not None and due > paused_at:
            due = cal.add(now, cal.between(paused_at, due))
        changes |= {"sla_paused_at": None, "sla_paused_seconds": paused}
    elif new == TicketStatus.ON_HOLD and old != TicketStatus.ON_HOLD:
        changes["sla_paused_at"] = now
    first_target, resolution_target = policy.targets[after["priority"]]
    if old == TicketStatus.RESOLVED and new not in FINISHED:  # reopened
        started, paused = now, 0.0
        due = cal.add(now, resolution_target)
        changes |= {"sla_started_at": now, "sla_paused_seconds": 0.0}
        changes["reopened_at"] = [*before.get("reopened_at", []), now]  # for reports
    elif after["priority"] != before["priority"]:
        changes["first_response_due_at"] = cal.add(before["created_at"], first_target)
        # (still on hold: the current pause moves it again when the hold ends)
        due = cal.add(started, resolution_target + timedelta(seconds=paused))
    if due != before.get("resolution_due_at"):
        changes["resolution_due_at"] = due
    state = {**before, **changes}
    breaches: list[Deadline] = []
    first_reply = before.get("first_response_at") is None and after.get("first_response_at")
    if first_reply and _late(state, "first_response", now):
        breaches.append("first_response")
    resolving = new == TicketStatus.RESOLVED and old != TicketStatus.RESOLVED
    if resolving and _late(state, "resolution", now):
        breaches.append("resolution")
    if breaches:
        changes["sla_breached"] = [*before.get("sla_breached", []), *breaches]
    return changes, breaches


def breached_now(ticket: Mapping[str, Any], now: datetime) -> list[Deadline]:
    """The deadlines missed as of `now`: recorded, and running ones already past."""
    recorded: list[Deadline] = list(ticket.get("sla_breached", []))
    passed = [kind for kind, due in running_deadlines(ticket).items() if due <= now]
    return [*recorded, *(k for k in passed if k not in recorded)]


SlaState = Literal["breached", "at_risk", "ok"]


def state(ticket: Mapping[str, Any], now: datetime, at_risk: timedelta) -> SlaState:
    if breached_now(ticket, now):
        return "breached"
    due = next_due(ticket)
    return "at_risk" if due is not None and due < now + at_risk else "ok"
