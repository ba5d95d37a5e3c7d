"""The outbox collection holds only events not yet acknowledged by Kafka.

It stays small (entries are deleted once published), so the relay's scan for pending
entries and the ordering by creation time are cheap even on FerretDB.
"""

from __future__ import annotations

from collections.abc import Sequence

from nigrani_shared.store.client import Document, IndexSpec
from nigrani_shared.store.writes import InsertOutcome, insert_or_get
from pymongo.asynchronous.collection import AsyncCollection

COLLECTION = "outbox"
INDEXES = [IndexSpec(COLLECTION, [("created_at", 1)], "by_created_at")]


class OutboxRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def get(self, entry_id: str) -> Document | None:
        return await self._collection.find_one({"_id": entry_id})

    async def add_or_get(self, entry: Document) -> InsertOutcome:
        """Stores the entry unless one with its `_id` is pending; returns the pending one.
        `stored` is None when that one was published and cleared in the meantime."""
        return await insert_or_get(self._collection, entry)

    async def forget_contact(self, entry_id: str) -> bool:
        """Drops the contact details from a pending submission's copy of its request;
        True if that submission is still pending."""
        result = await self._collection.update_one(
            {"_id": entry_id}, {"$set": {"request.contact": None}}
        )
        return result.matched_count == 1

    async def pending(self, limit: int) -> list[Document]:
        cursor = self._collection.find({}).sort("created_at", 1).limit(limit)
        return await cursor.to_list(length=limit)

    async def remove(self, entry_ids: Sequence[str]) -> None:
        """The relay removes entries once Kafka has acknowledged them, or once they turned
        out to announce nothing. Between the relay's read and this delete another replica
        may have removed the entry and a replay written a new one under the same `_id`;
        that one is dropped too, which is harmless: a request already existed, so it
        announces nothing either (see OutboxRelay)."""
        if entry_ids:
            await self._collection.delete_many({"_id": {"$in": list(entry_ids)}})

    async def remove_attempt(self, entry_id: str, attempt: str) -> None:
        """Removes the entry only if it is still this attempt's (a filter beyond `_id`
        scans on FerretDB, which is cheap here: the outbox holds only in-flight events)."""
        await self._collection.delete_one({"_id": entry_id, "attempt": attempt})
