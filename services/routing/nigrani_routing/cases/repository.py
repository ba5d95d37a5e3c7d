"""Where cases live: three collections, each read and written by `_id` only.

- `case_changes`: the history, append-only. `_id` = "<request id>:<version>". Inserting a
  change is the compare-and-set that orders writers: two officials acting on version 4
  both try to insert "<id>:5", and the unique `_id` lets exactly one win. A conditional
  update (`{_id, version}`) would not do: the local store applies it by read-modify-write,
  and with 8 writers racing for one version several were told they had won in 49 of 50
  rounds (bench/staff_seed.py); a unique insert never has two winners.
- `cases`: the snapshot of each case's latest version, `_id` = request id, for one-read
  loads. It is derived from the history and may lag it for a moment (a writer between its
  change and its snapshot); whoever meets a newer change rolls the snapshot forward.
- `case_outbox`: changes not yet acknowledged by Kafka, `_id` = the writer's attempt id.
  Written before the change, deleted only after the broker's ack, so a change that exists
  is always announced, by its writer or by the relay. Small, so the relay may scan it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from nigrani_shared.store.client import Document, IndexSpec
from nigrani_shared.store.writes import InsertOutcome, insert_or_get
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

COLLECTION = "cases"
CHANGES = "case_changes"
OUTBOX = "case_outbox"
RECENT_ATTEMPTS = 32
INDEXES = [
    IndexSpec(COLLECTION, [("department_code", 1), ("state", 1), ("routed_at", 1)], "queue"),
    IndexSpec(OUTBOX, [("created_at", 1)], "by_age"),
]


def change_id(request_id: str, version: int) -> str:
    return f"{request_id}:{version}"


class CasesRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._snapshots = db[COLLECTION]
        self._changes = db[CHANGES]
        self._outbox = db[OUTBOX]

    # -- snapshots
    async def snapshot(self, request_id: str) -> Document | None:
        return await self._snapshots.find_one({"_id": request_id})

    async def save_snapshot(self, case: Document, attempts: Sequence[Document]) -> None:
        """Replaces the snapshot; `attempts` (the latest ones first) let a retried command
        be recognised without reading the history."""
        document = {**case, "attempts": list(attempts)[:RECENT_ATTEMPTS]}
        try:
            await self._snapshots.replace_one({"_id": case["_id"]}, document, upsert=True)
        except DuplicateKeyError:  # two first writes raced on the upsert: the other inserted
            await self._snapshots.replace_one({"_id": case["_id"]}, document)

    async def all_snapshots(self) -> list[Document]:
        """Every case, for rebuilding in-memory read models at start-up."""
        return await self._snapshots.find({}).to_list()

    # -- history
    async def insert_change(self, change: Document) -> InsertOutcome:
        return await insert_or_get(self._changes, change)

    async def change(self, request_id: str, version: int) -> Document | None:
        return await self._changes.find_one({"_id": change_id(request_id, version)})

    async def history(self, request_id: str, latest: int) -> list[Document]:
        """Versions 1..latest, each read by `_id`, all at once (a case stored before the
        workflow existed has no version 1: it is skipped)."""
        changes = await asyncio.gather(
            *(self.change(request_id, version) for version in range(1, latest + 1))
        )
        return [change for change in changes if change is not None]

    # -- outbox
    async def add_pending(self, entry: Document) -> InsertOutcome:
        return await insert_or_get(self._outbox, entry)

    async def pending(self, attempt: str) -> Document | None:
        return await self._outbox.find_one({"_id": attempt})

    async def remove_pending(self, attempt: str) -> None:
        await self._outbox.delete_one({"_id": attempt})

    async def pending_older_than(self, moment: datetime, limit: int) -> list[dict[str, Any]]:
        return await self._outbox.find({"created_at": {"$lt": moment}}).limit(limit).to_list()
