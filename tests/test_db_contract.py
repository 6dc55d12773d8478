"""The query shapes the services rely on, each asserting MongoDB's documented result. They run
against SecantusDB by default and against real MongoDB with TEST_MONGODB_URL: where the two
differ, the services use a form both answer the same, and the difference is pinned here."""

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from app.db import INDEXES, Database, ensure_indexes


def winning_stages(plan: dict) -> list[str]:
    stages = [plan["stage"]]
    if "inputStage" in plan:
        stages += winning_stages(plan["inputStage"])
    for child in plan.get("inputStages", []):
        stages += winning_stages(child)
    return stages


class TestIndexes:
    async def test_unique_index_violation_raises_duplicate_key(self, db: Database) -> None:
        await db.users.insert_one({"email": "a@example.com"})
        with pytest.raises(DuplicateKeyError):
            await db.users.insert_one({"email": "a@example.com"})

    async def test_index_creation_is_idempotent(self, db: Database) -> None:
        await ensure_indexes(db)
        await ensure_indexes(db)
        for collection, models in INDEXES.items():
            listed = await (await db[collection].list_indexes()).to_list()
            names = {index["name"] for index in listed}
            for model in models:
                assert model.document["name"] in names, (collection, model.document["name"])

    async def test_ttl_index_created_with_expire_after(self, db: Database) -> None:
        info = await db.throttle_events.index_information()
        assert info["expires_at_1"]["expireAfterSeconds"] == 0


class TestConditionalWrites:
    async def test_find_one_and_update_with_guard_filter(self, db: Database) -> None:
        oid = (await db.t.insert_one({"agent_id": None})).inserted_id
        first = await db.t.find_one_and_update(
            {"_id": oid, "agent_id": None},
            {"$set": {"agent_id": 1}},
            return_document=ReturnDocument.AFTER,
        )
        second = await db.t.find_one_and_update(
            {"_id": oid, "agent_id": None}, {"$set": {"agent_id": 2}}
        )
        assert first is not None and first["agent_id"] == 1
        assert second is None
        assert (await db.t.find_one({"_id": oid}))["agent_id"] == 1

    async def test_update_pipeline_reads_the_old_document(self, db: Database) -> None:
        # assign-self: status and history are computed from the status before the update.
        oid = (await db.t.insert_one({"status": "Open"})).inserted_id
        was_open = {"$eq": ["$status", "Open"]}
        doc = await db.t.find_one_and_update(
            {"_id": oid},
            [
                {
                    "$set": {
                        "status": {"$cond": [was_open, "In Progress", "$status"]},
                        "history": {
                            "$cond": [
                                was_open,
                                {"$concatArrays": [{"$ifNull": ["$history", []]}, ["x"]]},
                                "$history",
                            ]
                        },
                    }
                }
            ],
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None
        assert doc["status"] == "In Progress"
        assert doc["history"] == ["x"]

    async def test_in_with_null_matches_null_values(self, db: Database) -> None:
        await db.t.insert_many([{"a": None}, {"a": 1}, {"a": 2}])
        assert await db.t.count_documents({"a": {"$in": [1, None]}}) == 2


class TestKeysetPaging:
    async def test_single_field_range_uses_the_index(self, db: Database) -> None:
        await db.k.create_index([("owner", ASCENDING), ("order_key", DESCENDING)])
        await db.k.insert_many([{"owner": i % 2, "order_key": f"{i:04d}"} for i in range(40)])
        cursor = (
            db.k.find({"owner": 0, "order_key": {"$lt": "0020"}}).sort("order_key", -1).limit(3)
        )
        docs = await cursor.to_list()
        assert [d["order_key"] for d in docs] == ["0018", "0016", "0014"]
        plan = (await cursor.explain())["queryPlanner"]["winningPlan"]
        assert "COLLSCAN" not in winning_stages(plan)

    async def test_or_keyset_is_answered_but_not_from_the_index_on_secantusdb(
        self, db: Database
    ) -> None:
        # Why the services page on one `order_key` field: SecantusDB plans a collection scan
        # for any $or (MongoDB would use the index). Results agree; only the plan differs.
        await db.k.create_index([("created_at", DESCENDING), ("_id", DESCENDING)])
        now = datetime.now(UTC).replace(microsecond=0)
        await db.k.insert_many([{"created_at": now - timedelta(seconds=i // 2)} for i in range(10)])
        pivot = (
            await db.k.find().sort([("created_at", -1), ("_id", -1)]).skip(3).limit(1).to_list()
        )[0]
        query = {
            "$or": [
                {"created_at": {"$lt": pivot["created_at"]}},
                {"created_at": pivot["created_at"], "_id": {"$lt": pivot["_id"]}},
            ]
        }
        assert await db.k.count_documents(query) == 6

    async def test_datetimes_keep_milliseconds_only(self, db: Database) -> None:
        at = datetime(2026, 1, 9, 10, 30, 0, 123456, tzinfo=UTC)
        oid = (await db.t.insert_one({"at": at})).inserted_id
        stored = (await db.t.find_one({"_id": oid}))["at"]
        assert stored == at.replace(microsecond=123000)
        assert stored.utcoffset() == timedelta(0)


class TestJoins:
    async def test_batched_in_resolves_names_in_one_query(self, db: Database) -> None:
        ids = [ObjectId() for _ in range(3)]
        await db.people.insert_many([{"_id": i, "name": f"n{n}"} for n, i in enumerate(ids)])
        found = await db.people.find({"_id": {"$in": [*ids, ObjectId()]}}, {"name": 1}).to_list()
        assert sorted(f["name"] for f in found) == ["n0", "n1", "n2"]

    async def test_lookup_then_unwind_gives_the_joined_field(self, db: Database) -> None:
        # The services resolve names with $in, not $lookup; if a later change wants $lookup,
        # `$unwind` then "$joined.name" agrees on both servers ({"$first": ...} does not on
        # SecantusDB, where it returns null).
        person = (await db.people.insert_one({"name": "Ann"})).inserted_id
        await db.items.insert_one({"person": person})
        rows = await (
            await db.items.aggregate(
                [
                    {
                        "$lookup": {
                            "from": "people",
                            "localField": "person",
                            "foreignField": "_id",
                            "as": "joined",
                        }
                    },
                    {"$unwind": "$joined"},
                    {"$project": {"name": "$joined.name"}},
                ]
            )
        ).to_list()
        assert [r["name"] for r in rows] == ["Ann"]


class TestSortAndLimit:
    async def test_sort_limit_returns_the_top(self, db: Database) -> None:
        await db.s.insert_many([{"n": n} for n in range(20)])
        docs = await db.s.find().sort("n", -1).limit(3).to_list()
        assert [d["n"] for d in docs] == [19, 18, 17]


class TestHints:
    """SecantusDB plans a filter with a field outside the index it considers as a collection
    scan (MongoDB would use the index). The services name the index with `hint`, which both
    servers honour for find and findAndModify (not for aggregate, hence no count_documents
    on a compound filter)."""

    async def test_hinted_find_with_a_residual_filter(self, db: Database) -> None:
        await db.h.create_index(
            [("status", ASCENDING), ("order_key", DESCENDING)], name="by_status"
        )
        await db.h.insert_many(
            [
                {"status": s, "category": c, "order_key": f"{n:03d}"}
                for n, (s, c) in enumerate(
                    [("Open", "Lost"), ("Open", "Late"), ("Closed", "Lost"), ("Open", "Lost")]
                )
            ]
        )
        cursor = (
            db.h.find({"status": "Open", "category": "Lost"})
            .sort("order_key", -1)
            .hint("by_status")
        )
        assert [d["order_key"] for d in await cursor.to_list()] == ["003", "000"]
        plan = (await cursor.explain())["queryPlanner"]["winningPlan"]
        assert "COLLSCAN" not in winning_stages(plan)

    async def test_hinted_guarded_find_one_and_update_by_id(self, db: Database) -> None:
        ids = [(await db.g.insert_one({"agent_id": None})).inserted_id for _ in range(5)]
        won = await db.g.find_one_and_update(
            {"_id": ids[2], "agent_id": None}, {"$set": {"agent_id": 1}}, hint="_id_"
        )
        lost = await db.g.find_one_and_update(
            {"_id": ids[2], "agent_id": None}, {"$set": {"agent_id": 2}}, hint="_id_"
        )
        assert won is not None and lost is None
        assert await db.g.count_documents({"agent_id": 1}) == 1
        explained = await db.command(
            {
                "explain": {
                    "findAndModify": "g",
                    "query": {"_id": ids[3], "agent_id": None},
                    "update": {"$set": {"x": 1}},
                    "hint": "_id_",
                },
                "verbosity": "queryPlanner",
            }
        )
        assert "COLLSCAN" not in winning_stages(explained["queryPlanner"]["winningPlan"])
