"""Our FerretDB program makes FerretDB's own `_id` look-ups use an index.

FerretDB v1.24 queries `_ferretdb_sjson->'$._id'` but indexes `->"_id"`, which SQLite does
not match, so without the index idindex.go adds every `_id` look-up scans the table. Both
checks below look at what FerretDB itself does, never at SQL the test writes: its `explain`
command (which plans FerretDB's own query in FerretDB's own SQLite connection) and the SQL
it logs at debug level for a real `find`, planned against the same database file.

The test runs its own FerretDB with debug logging (it needs FerretDB's log, and the shared
one is quiet), so it does not use the session's infrastructure.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from nigrani_localinfra import FerretDBNode, provision
from nigrani_localinfra.ports import free_ports
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

DOCUMENTS = 2000
OUR_INDEX = "_nigrani_id_path"
_LOGGED_SQL = re.compile(r'msg=("(?:[^"\\]|\\.)*")')


@pytest.fixture
async def ferretdb(tmp_path: Path) -> AsyncIterator[FerretDBNode]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URI"):
        pytest.skip("checks our FerretDB program, not an external store")
    artifacts = await asyncio.to_thread(provision, log=lambda _: None)
    node = FerretDBNode(tmp_path, port=free_ports(1)[0], artifacts=artifacts, log_level="debug")
    node.start()
    try:
        await node.wait_ready()
        yield node
    finally:
        await node.stop(log=lambda _: None)


async def _explain(db: AsyncDatabase[dict[str, Any]], query: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await db.command({"explain": {"find": "things", "filter": query}})
    return result


def _plan(explained: dict[str, Any]) -> str:
    return " ".join(explained["queryPlanner"]["Plan"])


def _logged_select(log_path: Path, marker: str) -> str:
    """The SELECT FerretDB logged (debug level) for the look-up of the `_id` ``marker``."""
    for line in log_path.read_text(errors="replace").splitlines():
        if ">>> SELECT" in line and marker in line:
            match = _LOGGED_SQL.search(line)
            assert match is not None, line
            logged: str = json.loads(match.group(1))  # Go quotes strings the way JSON does
            return logged.removeprefix(">>> ")
    raise AssertionError(f"FerretDB logged no SELECT for {marker!r}")


def _sqlite_plan(database_file: Path, sql: str) -> str:
    with sqlite3.connect(f"file:{database_file}?mode=ro", uri=True) as db:
        parameters = ['"X"'] + [1] * (sql.count("?") - 1)  # the `_id`, then any LIMIT
        rows = db.execute(f"EXPLAIN QUERY PLAN {sql}", parameters).fetchall()
    return " ".join(str(row[-1]) for row in rows)


async def test_ferretdb_id_lookups_use_our_index(ferretdb: FerretDBNode) -> None:
    database = f"idx{uuid.uuid4().hex[:8]}"
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(ferretdb.uri)
    try:
        db = mongo[database]
        await db["things"].insert_many([{"_id": f"k{n}", "n": n} for n in range(DOCUMENTS)])

        async def indexed_plan() -> str | None:
            # A real find first: an EXPLAIN on a pooled SQLite connection does not reload
            # the schema, so it can describe the table as it was before the index existed.
            await db["things"].find_one({"_id": "k7"})
            plan = _plan(await _explain(db, {"_id": "k7"}))
            return plan if OUR_INDEX in plan else None

        plan = await eventually(indexed_plan, within=30, interval=0.5, what="an indexed _id plan")
        assert "USING INDEX" in plan

        # The control: a filter FerretDB cannot push down is planned, and scans.
        other = await _explain(db, {"n": 7})
        assert other["filterPushdown"] is False
        assert "SCAN" in _plan(other)
        assert OUR_INDEX not in _plan(other)

        # The SQL FerretDB really ran for a find by `_id`, as its debug log shows it.
        marker = f"k{DOCUMENTS - 1}"
        assert await db["things"].find_one({"_id": marker}) == {"_id": marker, "n": DOCUMENTS - 1}
        sql = await asyncio.to_thread(_logged_select, ferretdb.log_path, marker)
        assert "'$._id' = ?" in sql
        database_file = ferretdb.data_dir / f"{database}.sqlite"
        ran = await asyncio.to_thread(_sqlite_plan, database_file, sql)
        assert "USING INDEX" in ran
        assert OUR_INDEX in ran
    finally:
        await mongo.close()
