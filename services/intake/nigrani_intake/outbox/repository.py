"""The outbox collection holds only events not yet acknowledged by Kafka.

It stays small (entries are deleted once published), so the relay's scan for pending
entries and the ordering by creation time are cheap even on FerretDB.
"""

from __future__ import annotations

from collections.abc import Sequence

from nigrani_shared.store.client import Document, IndexSpec
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

COLLECTION = "outbox"
INDEXES = [IndexSpec(COLLECTION, [("created_at", 1)], "by_created_at")]


class OutboxRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def add(self, entry: Document) -> bool:
        """Stores the entry unless one with its `_id` is there; True if this call stored it."""
        try:
            await self._collection.insert_one(dict(entry))
            return True
        except DuplicateKeyError:
            return False

    async def pending(self, limit: int) -> list[Document]:
        cursor = self._collection.find({}).sort("created_at", 1).limit(limit)
        return await cursor.to_list(length=limit)

    async def remove(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            await self._collection.delete_many({"_id": {"$in": list(entry_ids)}})

    async def count(self) -> int:
        return await self._collection.count_documents({})
