"""Every collection access of the SLA package: the policy an admin writes and the sweeper's
lease. Tickets read the policy through app/tickets/queries.py, as their writes need it."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from app.core.db import Database

SWEEPER_LEASE = "sla-sweeper"


async def replace_sla_policy(db: Database, doc: Mapping[str, Any]) -> None:
    await db.sla_policy.replace_one({"_id": doc["_id"]}, doc, upsert=True)


async def hold_sweeper_lease(db: Database, *, owner: str, now: datetime, until: datetime) -> bool:
    """Takes or renews the sweeper's lease: True if `owner` holds it until `until`."""
    renewed = await db.leases.update_one(
        {"_id": SWEEPER_LEASE, "owner": owner}, {"$set": {"until": until}}
    )
    if renewed.matched_count:
        return True
    taken = await db.leases.update_one(
        {"_id": SWEEPER_LEASE, "until": {"$lte": now}}, {"$set": {"owner": owner, "until": until}}
    )
    if taken.matched_count:
        return True
    try:
        await db.leases.insert_one({"_id": SWEEPER_LEASE, "owner": owner, "until": until})
    except DuplicateKeyError:
        return False  # another instance holds it
    return True
