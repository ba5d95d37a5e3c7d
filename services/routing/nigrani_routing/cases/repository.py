"""The cases collection: one document per request, `_id` = request id (tracking code).

Inserting with the request id as `_id` is what makes routing idempotent: a second delivery
of the same submission meets a duplicate key and gets the case that already exists.
"""

from __future__ import annotations

from nigrani_shared.store.client import Document, IndexSpec
from nigrani_shared.store.writes import insert_or_get
from pymongo.asynchronous.collection import AsyncCollection

COLLECTION = "cases"
INDEXES = [IndexSpec(COLLECTION, [("department_code", 1), ("routed_at", -1)], "by_department_time")]


class CasesRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def insert_if_absent(self, case: Document) -> tuple[Document, bool]:
        """Returns the stored case and whether this call created it."""
        outcome = await insert_or_get(self._collection, case)
        assert outcome.stored is not None  # cases are never deleted
        return outcome.stored, outcome.inserted

    async def mark_announced(self, request_id: str) -> None:
        await self._collection.update_one({"_id": request_id}, {"$set": {"announced": True}})

    async def get(self, request_id: str) -> Document | None:
        return await self._collection.find_one({"_id": request_id})

    async def count(self) -> int:
        return await self._collection.count_documents({})
