"""The query shapes the services rely on, each asserting MongoDB's documented result. They run
against SecantusDB by default and against real MongoDB with TEST_MONGODB_URL: where the two
differ, the services use a form both answer the same, and the difference is pinned here."""

import asyncio
import os
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

from app.core.db import IN_BATCH, Database, ensure_indexes, find_in
from app.main import DOMAIN_INDEXES


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
        await ensure_indexes(db, DOMAIN_INDEXES)
        await ensure_indexes(db, DOMAIN_INDEXES)
        for indexes in DOMAIN_INDEXES:
            for collection, models in indexes.items():
                listed = await (await db[collection].list_indexes()).to_list()
                names = {index["name"] for index in listed}
                for model in models:
                    assert model.document["name"] in names, (collection, model.document["name"])

    async def test_ttl_index_created_with_expire_after(self, db: Database) -> None:
        info = await db.throttles.index_information()
        assert info["expires_at_1"]["expireAfterSeconds"] == 0


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

    async def test_a_long_in_list_is_read_in_batches_with_the_same_answer(
        self, db: Database
    ) -> None:
        # SecantusDB checks each candidate against the whole `$in` list one value at a time:
        # 2,000 ids cost 2.7 s in one query and 0.2 s in batches of 100 (`python -m
        # bench.in_list`), so `find_in` reads long lists IN_BATCH values a query.
        ids = [ObjectId() for _ in range(4 * IN_BATCH + 7)]
        await db.rated.insert_many([{"ticket_id": i, "odd": n % 2} for n, i in enumerate(ids)])
        wanted = [*ids[::3], ObjectId()]
        batched = await find_in(db.rated, "ticket_id", wanted, where={"odd": 1})
        whole = await db.rated.find({"ticket_id": {"$in": wanted}, "odd": 1}).to_list()
        assert len(wanted) > IN_BATCH and batched
        assert sorted(d["_id"] for d in batched) == sorted(d["_id"] for d in whole)

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


class TestGuardedUpdates:
    """Conditional writes are update_one with the guard in the filter, then a read by _id.
    (SecantusDB's findAndModify reads the whole collection whatever its filter: by `_id` it
    costs 1.2 ms with 10 documents, 7 ms with 1,000 and 65 ms with 10,000, where update_one
    costs 1.4-1.7 ms (`python -m bench.find_and_modify`); so does an update_one whose filter
    has a top-level operator such as `$and` beside its `_id` (122 ms with 10,000 documents on
    a loaded machine); and a `hint` walks the whole index. The services' growing collections
    are written with none of them.)"""

    async def test_matched_count_says_whether_the_guard_held(self, db: Database) -> None:
        oid = (await db.g.insert_one({"agent_id": None})).inserted_id
        won = await db.g.update_one({"_id": oid, "agent_id": None}, {"$set": {"agent_id": 1}})
        lost = await db.g.update_one({"_id": oid, "agent_id": None}, {"$set": {"agent_id": 2}})
        assert (won.matched_count, lost.matched_count) == (1, 0)
        assert (await db.g.find_one({"_id": oid}))["agent_id"] == 1

    async def test_one_winner_among_concurrent_guarded_updates(self, db: Database) -> None:
        oid = (await db.g.insert_one({"agent_id": None})).inserted_id
        results = await asyncio.gather(
            *(
                db.g.update_one({"_id": oid, "agent_id": None}, {"$set": {"agent_id": n}})
                for n in range(20)
            )
        )
        winners = [n for n, r in enumerate(results) if r.matched_count]
        assert len(winners) == 1
        assert (await db.g.find_one({"_id": oid}))["agent_id"] == winners[0]

    async def test_pipeline_update_one_reads_the_old_document(self, db: Database) -> None:
        oid = (await db.g.insert_one({"status": "On Hold", "agent_id": None})).inserted_id
        was_open = {"$eq": ["$status", "Open"]}
        await db.g.update_one(
            {"_id": oid, "agent_id": None},
            [{"$set": {"agent_id": 1, "status": {"$cond": [was_open, "In Progress", "$status"]}}}],
        )
        doc = await db.g.find_one({"_id": oid})
        assert doc is not None and (doc["agent_id"], doc["status"]) == (1, "On Hold")

    async def test_a_pipeline_that_leaves_the_document_as_it_was_modifies_nothing(
        self, db: Database
    ) -> None:
        # What a refused request's rate limit count relies on (app/core/ratelimit.py): fields
        # set and unset again, and a field set to its own value, are no change.
        oid = (await db.g.insert_one({"tat": 5.0})).inserted_id
        unchanged = [
            {"$set": {"_now": 1}},
            {"$set": {"tat": {"$cond": [{"$gt": ["$_now", 2]}, 9.0, "$tat"]}}},
            {"$unset": "_now"},
        ]
        result = await db.g.update_one({"_id": oid}, unchanged)
        assert (result.matched_count, result.modified_count) == (1, 0)
        changed = [{"$set": {"tat": {"$add": ["$tat", 1]}}}]
        assert (await db.g.update_one({"_id": oid}, changed)).modified_count == 1

    async def test_equality_plus_range_on_a_compound_index_is_an_index_scan(
        self, db: Database
    ) -> None:
        # What every list relies on. (SecantusDB plans `$in` plus a range, and a range on
        # _id, as collection scans, so lists use equality ranges merged in Python.)
        await db.q.create_index([("agent_id", ASCENDING), ("order_key", DESCENDING)])
        await db.q.insert_many(
            [{"agent_id": n % 3 or None, "order_key": f"{n:03d}"} for n in range(30)]
        )
        cursor = (
            db.q.find({"agent_id": None, "order_key": {"$lt": "020"}})
            .sort("order_key", -1)
            .limit(4)
        )
        assert [d["order_key"] for d in await cursor.to_list()] == ["018", "015", "012", "009"]
        plan = (await cursor.explain())["queryPlanner"]["winningPlan"]
        assert "COLLSCAN" not in winning_stages(plan)


class TestFormsTheNewFeaturesUse:
    async def test_a_guarded_append_lets_in_exactly_the_limit(self, db: Database) -> None:
        """Throttles: one update by `_id` appends an attempt while fewer than the limit are
        recent (dates compared in `$filter`), else changes nothing; of simultaneous ones, the
        modified counts say exactly which got in."""
        now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        stale = {"id": ObjectId(), "at": now - timedelta(minutes=20)}  # out of the window
        await db.throttles.insert_one({"_id": "k", "attempts": [stale]})
        attempts = {"$ifNull": ["$attempts", []]}
        since = now - timedelta(minutes=15)
        recent = {"$filter": {"input": attempts, "cond": {"$gt": ["$$this.at", since]}}}
        allowed = {"$lt": [{"$size": recent}, 3]}

        async def attempt() -> int:
            entry = {"id": ObjectId(), "at": now}
            kept = {"$slice": [{"$concatArrays": [attempts, [{"$literal": entry}]]}, -4]}
            appended = [{"$set": {"attempts": {"$cond": [allowed, kept, "$attempts"]}}}]
            return (await db.throttles.update_one({"_id": "k"}, appended)).modified_count

        assert sorted(await asyncio.gather(*(attempt() for _ in range(10)))) == [0] * 7 + [1] * 3
        found = await db.throttles.find_one({"_id": "k"})
        assert [a["at"] for a in found["attempts"]] == [stale["at"]] + [now] * 3

    async def test_not_gte_matches_a_missing_field(self, db: Database) -> None:
        """Attachment places: a ticket without the counter yet is below any limit."""
        await db.t.insert_many([{"_id": 1}, {"_id": 2, "n": 20}])
        below = {"n": {"$not": {"$gte": 20}}}
        assert (await db.t.update_one({"_id": 1, **below}, {"$inc": {"n": 1}})).matched_count == 1
        assert (await db.t.update_one({"_id": 2, **below}, {"$inc": {"n": 1}})).matched_count == 0

    async def test_pipeline_ifnull_sets_a_field_once(self, db: Database) -> None:
        """first_response_at: the first staff reply's time, never overwritten."""
        await db.t.insert_one({"_id": 1})
        for value in ("first", "second"):
            await db.t.update_one({"_id": 1}, [{"$set": {"f": {"$ifNull": ["$f", value]}}}])
        assert (await db.t.find_one({"_id": 1}))["f"] == "first"

    async def test_gridfs_round_trip_and_delete(self, db: Database) -> None:
        from gridfs import AsyncGridFSBucket

        bucket = AsyncGridFSBucket(db, bucket_name="attachments")
        data = bytes(range(256)) * 3000  # 768,000 bytes: three chunks
        oid = ObjectId()
        await bucket.upload_from_stream_with_id(oid, "a.bin", data, metadata={"ticket_id": 1})
        stream = await bucket.open_download_stream(oid)
        read = b""
        while chunk := await stream.readchunk():
            read += chunk
        assert read == data
        stored = await db["attachments.files"].find_one({"metadata.ticket_id": 1})
        assert stored is not None and stored["length"] == len(data)
        await bucket.delete(oid)
        assert await db["attachments.chunks"].count_documents({"files_id": oid}) == 0


ON_SECANTUSDB = not os.environ.get("TEST_MONGODB_URL")


class TestWhatTheEmbeddedServerPlans:
    """Why the services' queries have the shapes they have: what SecantusDB plans for each form
    (on MongoDB, the same forms use the index). Application code states the rule it follows
    ("a query carries only the fields of one index, one range, no `$in` or `$or` beside it");
    the reasons are pinned here."""

    @pytest.fixture
    async def queue(self, db: Database) -> Database:
        await db.q.create_index([("agent_id", ASCENDING), ("order_key", DESCENDING)])
        await db.q.insert_many(
            [{"agent_id": n % 3, "order_key": f"{n:03d}", "other": n} for n in range(60)]
        )
        return db

    async def stages(self, db: Database, query: dict, *, sort: tuple[str, int]) -> list[str]:
        cursor = db.q.find(query).sort(*sort).limit(3)
        return winning_stages((await cursor.explain())["queryPlanner"]["winningPlan"])

    @pytest.mark.parametrize(
        "query",
        [
            {"agent_id": {"$in": [1, 2]}, "order_key": {"$lt": "050"}},  # $in beside a range
            {"agent_id": 1, "order_key": {"$lt": "050"}, "other": {"$gt": 3}},  # a residual field
            {"$or": [{"agent_id": 1}, {"agent_id": 2, "order_key": {"$lt": "050"}}]},
            {"order_key": {"$lt": "050"}},  # not the index's leading field
        ],
        ids=["in-beside-range", "residual-field", "or", "not-leading"],
    )
    async def test_a_filter_that_is_not_an_indexs_leading_fields_scans_the_collection(
        self, queue: Database, query: dict
    ) -> None:
        stages = await self.stages(queue, query, sort=("order_key", -1))
        assert ("COLLSCAN" in stages) if ON_SECANTUSDB else stages  # MongoDB: its planner's call

    async def test_a_range_or_a_bare_sort_on_id_scans_the_collection(self, queue: Database) -> None:
        # Why events are read by `seq` and small lists by an explicit `_id` range from the start.
        first = await queue.q.find_one()
        assert first is not None
        for query in ({"_id": {"$gt": first["_id"]}}, {}):
            stages = await self.stages(queue, query, sort=("_id", 1))
            assert "COLLSCAN" in stages if ON_SECANTUSDB else "IXSCAN" in stages

    async def test_an_index_range_is_read_whole_before_sort_and_limit(
        self, queue: Database
    ) -> None:
        # Why lists read bounded windows of the key instead of "the range, limit n".
        cursor = queue.q.find({"agent_id": 1, "order_key": {"$lt": "050"}}).sort("order_key", -1)
        stats = (await cursor.limit(3).explain())["executionStats"]
        in_range = await queue.q.count_documents({"agent_id": 1, "order_key": {"$lt": "050"}})
        if ON_SECANTUSDB:
            assert stats["totalKeysExamined"] >= in_range > 3
        else:
            assert stats["totalKeysExamined"] <= 4

    async def test_a_hint_walks_the_whole_index_range(self, queue: Database) -> None:
        # Why no query carries a `hint`: the planner picks the index when the filter fits it.
        cursor = queue.q.find({"agent_id": 1}).hint([("agent_id", 1), ("order_key", -1)])
        stats = (await cursor.limit(3).explain())["executionStats"]
        if ON_SECANTUSDB:
            assert stats["totalKeysExamined"] == await queue.q.count_documents({"agent_id": 1})

    async def test_no_text_index(self, db: Database) -> None:
        # Why search keeps its own normalised `terms` array instead of `$text`.
        if ON_SECANTUSDB:
            with pytest.raises(OperationFailure, match="text indexes are not supported"):
                await db.t.create_index([("s", "text")])
        else:
            await db.t.create_index([("s", "text")])


class TestTheServersClock:
    """Limits, slots and leases use the database server's clock (`$$NOW`) so that instances
    agree on time. SecantusDB gives `$$NOW` in update pipelines (upsert, the document after),
    but compares it with stored dates wrongly: the services compare milliseconds (`$toLong`),
    which both answer the same."""

    async def test_now_in_an_upserting_pipeline_returns_the_servers_time(
        self, db: Database
    ) -> None:
        before = (await db.command("hello"))["localTime"].replace(tzinfo=UTC)
        doc = await db.n.find_one_and_update(
            {"_id": "k"},
            [
                {
                    "$set": {
                        "at": "$$NOW",
                        "ms": {"$toLong": "$$NOW"},
                        "later": {"$add": ["$$NOW", 5000]},
                    }
                }
            ],
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None and doc["at"] >= before
        assert doc["later"] - doc["at"] == timedelta(seconds=5)
        assert doc["ms"] == int(doc["at"].timestamp() * 1000)

    async def test_times_compared_as_milliseconds(self, db: Database) -> None:
        past, future = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        await db.n.insert_many([{"_id": "past", "at": past}, {"_id": "future", "at": future}])
        now_ms = {"$toLong": "$$NOW"}
        ended = {"$expr": {"$lte": [{"$toLong": "$at"}, now_ms]}}
        assert [d["_id"] for d in await db.n.find(ended).to_list()] == ["past"]
        live = {
            "$filter": {"input": "$all", "as": "s", "cond": {"$gt": [{"$toLong": "$$s"}, now_ms]}}
        }
        doc = await db.n.find_one_and_update(
            {"_id": "past"},
            [{"$set": {"all": [past, future]}}, {"$set": {"live": live}}],
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None and doc["live"] == [future]

    async def test_now_compared_with_a_date_is_not_answered_as_mongodb_does(
        self, db: Database
    ) -> None:
        await db.n.insert_one({"_id": "future", "at": datetime(2100, 1, 1, tzinfo=UTC)})
        ended = {"$expr": {"$lte": ["$at", "$$NOW"]}}
        assert await db.n.count_documents(ended) == (1 if ON_SECANTUSDB else 0)


class TestChangeStreams:
    """What the event sequencer and every process's arrivals rely on (app/events/)."""

    async def test_a_transactions_inserts_arrive_together_in_commit_order_and_resume(
        self, db: Database
    ) -> None:
        stream = await db.outbox.watch(
            [{"$match": {"operationType": "insert"}}], max_await_time_ms=200
        )

        async def write(n: int) -> None:
            async with db.client.start_session() as session:

                async def work(s: object) -> None:
                    await db.outbox.insert_one({"n": n, "k": 1}, session=s)
                    await db.elsewhere.insert_one({"n": n}, session=s)
                    await db.outbox.insert_one({"n": n, "k": 2}, session=s)

                await session.with_transaction(work)

        for n in range(3):
            await write(n)
        seen = []
        async with asyncio.timeout(10):
            while len(seen) < 6:
                if (change := await stream.try_next()) is not None:
                    seen.append(change)
        await stream.close()
        assert [(c["fullDocument"]["n"], c["fullDocument"]["k"]) for c in seen] == [
            (0, 1), (0, 2), (1, 1), (1, 2), (2, 1), (2, 2)
        ]  # fmt: skip
        resumed = await db.outbox.watch(resume_after=seen[1]["_id"], max_await_time_ms=200)
        after = []
        async with asyncio.timeout(10):
            while len(after) < 4:
                if (change := await resumed.try_next()) is not None:
                    after.append(change["fullDocument"]["n"])
        await resumed.close()
        assert after == [1, 1, 2, 2]

    async def test_an_unusable_resume_token_is_refused_when_watching(self, db: Database) -> None:
        with pytest.raises(OperationFailure):
            await db.outbox.watch(resume_after={"_data": "00"})

    async def test_a_sparse_unique_index_answers_a_range_from_the_index(self, db: Database) -> None:
        # Pending events have no `seq`: the index on it is sparse (a partial one is not used
        # for a range on SecantusDB).
        await db.e.create_index("seq", unique=True, sparse=True)
        await db.e.insert_many([{"seq": n} for n in range(1, 30)] + [{}, {}])
        cursor = db.e.find({"seq": {"$gt": 5}}).sort("seq", 1).limit(3)
        assert [d["seq"] for d in await cursor.to_list()] == [6, 7, 8]
        plan = (await cursor.explain())["queryPlanner"]["winningPlan"]
        assert "COLLSCAN" not in winning_stages(plan)

    async def test_no_date_compares_with_now_on_secantusdb(self, db: Database) -> None:
        # Why the sequencer's lease compares on the instances' clock, not $$NOW.
        await db.t.insert_one({"at": datetime.now(UTC) - timedelta(minutes=5)})
        earlier = await db.t.find_one({"$expr": {"$lt": ["$at", "$$NOW"]}})
        assert (earlier is None) if ON_SECANTUSDB else (earlier is not None)
