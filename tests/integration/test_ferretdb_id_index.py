"""Our FerretDB program gives every collection an index its `_id` queries can use.

FerretDB v1.24 queries `_ferretdb_sjson->'$._id'` but indexes `->"_id"`, which SQLite does
not match, so without our index every `_id` look-up scans the table (see idindex.go).
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from tests.support.infra import Infra
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def _plan(database_file: Path, collection: str) -> str | None:
    """The query plan of FerretDB's `_id` look-up on the collection's table, once the
    table carries our index; None before that."""
    with sqlite3.connect(f"file:{database_file}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT table_name FROM _ferretdb_collections WHERE name = ?", (collection,)
        ).fetchone()
        if row is None:
            return None
        table = row[0]
        index = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
            (f"{table}_nigrani_id_path",),
        ).fetchone()
        if index is None:
            return None
        plan = db.execute(
            f'EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "{table}" '  # noqa: S608
            "WHERE _ferretdb_sjson->'$._id' = ?",
            ('"X"',),
        ).fetchall()
        return " ".join(str(step[-1]) for step in plan)


async def test_id_lookups_use_an_index(infra: Infra) -> None:
    if infra.state_dir is None:
        pytest.skip("inspects the local FerretDB's SQLite files")
    database = f"idx{uuid.uuid4().hex[:8]}"
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(infra.mongodb_uri)
    try:
        await mongo[database]["things"].insert_many([{"_id": f"k{n}"} for n in range(10)])
        database_file = infra.state_dir / "ferretdb-data" / f"{database}.sqlite"

        async def indexed_plan() -> str | None:
            return _plan(database_file, "things")

        plan = await eventually(indexed_plan, within=30, what="the _id path index")
        assert "USING INDEX" in plan
        assert "_nigrani_id_path" in plan
    finally:
        await mongo.drop_database(database)
        await mongo.close()
