"""The routing store at size, for the staff queue: case snapshots written the way the ledger
writes them (`cases.documents.case_document`), the store-side query the in-memory queue
replaced, and the queue's start-up resync timed in this process.

The default shape: 100,000 cases, 10,000 of them open in one department (`DEPARTMENT`),
30,000 closed there, and the rest over eight other departments, half of them open.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nigrani_routing.cases.documents import case_document, case_from_document
from nigrani_routing.cases.model import (
    OPEN_STATES,
    Case,
    DepartmentRef,
    Priority,
    State,
)
from nigrani_routing.cases.repository import COLLECTION, INDEXES
from nigrani_routing.queue.projection import QueueProjection
from nigrani_shared.store.client import ensure_indexes
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from bench.stats import percentile

DEPARTMENT = "WASA-LHR"
OTHERS = ("LWMC-LHR", "CW-ROADS", "DISCO", "HEALTH", "SCHOOLS", "REVENUE", "KWSC-KHI", "CB-LHR")
CATEGORIES = ("water.no_supply", "water.leak", "water.quality", "sanitation.sewer_overflow")
FILTER_CATEGORY = CATEGORIES[1]
BATCH = 1000
_OPEN = sorted(OPEN_STATES)
_CLOSED = sorted(set(State) - OPEN_STATES)  # resolved, closed, rejected
_WITH_ASSIGNEE = frozenset({State.ASSIGNED, State.IN_PROGRESS, State.AWAITING_CITIZEN})


@dataclass(frozen=True)
class Shape:
    total: int = 100_000
    open_in_department: int = 10_000
    closed_in_department: int = 30_000

    def placements(self) -> Iterator[tuple[str, bool]]:
        """(department, open) for each case, in seeding order."""
        others = self.total - self.open_in_department - self.closed_in_department
        for _ in range(self.open_in_department):
            yield DEPARTMENT, True
        for _ in range(self.closed_in_department):
            yield DEPARTMENT, False
        for n in range(others):
            yield OTHERS[n % len(OTHERS)], n % 2 == 0


def seeded_case(n: int, department: str, is_open: bool, rng: random.Random) -> Case:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    routed_at = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 365))
    state = rng.choice(_OPEN) if is_open else rng.choice(_CLOSED)
    return Case(
        request_id=f"BNCH-{n // 10000:04d}-{n % 10000:04d}",
        version=rng.randrange(1, 6),
        state=state,
        department=DepartmentRef(department, department.title()),
        category=rng.choice(CATEGORIES),
        priority=rng.choice(list(Priority)),
        assignee=f"officer-{rng.randrange(40)}" if state in _WITH_ASSIGNEE else None,
        transfers=0,
        reopened=0,
        submitted_at=routed_at - timedelta(seconds=2),
        routed_at=routed_at,
        updated_at=routed_at + timedelta(hours=rng.randrange(0, 48)),
        areas=("lahore", "lahore/gulberg"),
        district="Lahore",
        resolved_at=None if is_open else routed_at + timedelta(days=3),
        closed_at=None if is_open else routed_at + timedelta(days=17),
        rule_id="water-lahore",
        rule_set_version="bench",
    )


async def seed(uri: str, database: str, shape: Shape) -> float:
    """Writes the snapshots (and the collection's declared indexes); returns seconds taken."""
    rng = random.Random(6)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        db = client[database]
        await ensure_indexes(db, INDEXES)
        started = time.perf_counter()
        batch: list[dict[str, Any]] = []
        for n, (department, is_open) in enumerate(shape.placements()):
            document = case_document(seeded_case(n, department, is_open, rng))
            batch.append({**document, "attempts": []})
            if len(batch) == BATCH:
                await db[COLLECTION].insert_many(batch, ordered=False)
                batch = []
        if batch:
            await db[COLLECTION].insert_many(batch, ordered=False)
        return time.perf_counter() - started
    finally:
        await client.close()


async def store_queue_scan(uri: str, database: str, samples: int) -> dict[str, float]:
    """The query the projection replaced: a department's open cases, oldest first."""
    query = {"department_code": DEPARTMENT, "state": {"$in": [s.value for s in OPEN_STATES]}}
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    timings: list[float] = []
    try:
        cases = client[database][COLLECTION]
        for _ in range(samples):
            started = time.perf_counter()
            page = await cases.find(query).sort("routed_at", 1).limit(50).to_list()
            timings.append(time.perf_counter() - started)
            assert len(page) == 50
    finally:
        await client.close()
    return {
        "samples": samples,
        "p50_ms": round(percentile(timings, 0.5) * 1000),
        "max_ms": round(max(timings) * 1000),
    }


async def resync_in_process(uri: str, database: str) -> dict[str, float]:
    """What the queue does at start-up (composition.start_queue_feed's resync), here."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        started = time.perf_counter()
        documents = await client[database][COLLECTION].find({}).to_list()
        read = time.perf_counter()
        projection = QueueProjection()
        projection.load(case_from_document(d) for d in documents)
        done = time.perf_counter()
    finally:
        await client.close()
    return {
        "cases": len(documents),
        "read_s": round(read - started, 2),
        "load_s": round(done - read, 2),
        "open_in_department": projection.open_count(DEPARTMENT),
    }


async def conditional_updates(uri: str, database: str, samples: int) -> dict[str, float]:
    """The compare-and-set the history replaced: an update filtered on `_id` and `version`,
    next to the same update filtered on `_id` alone (which the local store indexes)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    timings: dict[str, list[float]] = {"id_only": [], "id_and_version": []}
    try:
        cases = client[database][COLLECTION]
        for n in range(samples):
            document = await cases.find_one({"_id": f"BNCH-0000-{n:04d}"})
            assert document is not None
            queries = [
                ("id_only", {"_id": document["_id"]}),
                ("id_and_version", {"_id": document["_id"], "version": document["version"]}),
            ]
            for name, query in queries if n % 2 else reversed(queries):
                started = time.perf_counter()
                await cases.update_one(query, {"$set": {"bench_touched": f"{name}-{n}"}})
                timings[name].append(time.perf_counter() - started)
    finally:
        await client.close()
    return {f"{name}_p50_ms": round(percentile(t, 0.5) * 1000, 1) for name, t in timings.items()}


async def compare_and_set_race(uri: str, *, rounds: int, writers: int) -> dict[str, int]:
    """`writers` concurrent writers of version 2 of one case, `rounds` times: how many
    rounds had more than one winner, with a conditional update on `{_id, version: 1}` and
    with an insert of the change `<id>:2` (the ledger's way)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    db = client[f"bench_race_{random.randrange(1 << 30):08x}"]
    await db.snapshots.insert_many([{"_id": f"c{n}", "version": 1} for n in range(rounds)])

    async def update(n: int, writer: int) -> int:
        query = {"_id": f"c{n}", "version": 1}
        result = await db.snapshots.update_one(query, {"$set": {"version": 2, "by": writer}})
        return result.modified_count

    async def insert(n: int, writer: int) -> int:
        try:
            await db.changes.insert_one({"_id": f"c{n}:2", "by": writer})
        except DuplicateKeyError:
            return 0
        return 1

    several = {"conditional_update": 0, "insert_change": 0}
    try:
        for n in range(rounds):
            for name, write in (("conditional_update", update), ("insert_change", insert)):
                wins = await asyncio.gather(*(write(n, w) for w in range(writers)))
                several[name] += sum(wins) > 1
    finally:
        await client.drop_database(db.name)
        await client.close()
    return {
        "rounds": rounds,
        "writers": writers,
        **{f"{k}_several_winners": v for k, v in several.items()},
    }
