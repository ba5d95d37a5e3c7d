"""The requests collection: one document per request, `_id` = tracking code.

Every write and read here is an `_id` lookup, the only filter FerretDB serves from an index.
The public timeline is a map keyed by event id, so applying an event twice is one `$set`
of the same value rather than a duplicate entry.
"""

from __future__ import annotations

from typing import Any

from nigrani_shared.store.client import Document, IndexSpec
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

COLLECTION = "requests"
INDEXES = [
    IndexSpec(COLLECTION, [("category", 1), ("submitted_at", -1)], "by_category_time"),
]


class RequestsRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def get(self, tracking_code: str) -> Document | None:
        return await self._collection.find_one({"_id": tracking_code})

    async def derive(self, request: Document) -> tuple[Document, bool]:
        """Creates the request from its outbox entry unless it exists; returns what is stored
        and whether this call created it.

        A plain insert, not an upsert: the endpoint and the relay may derive the same request
        at once, and two concurrent upserts of one `_id` can fail with a duplicate key."""
        try:
            await self._collection.insert_one(dict(request))
            return request, True
        except DuplicateKeyError:
            stored = await self._collection.find_one({"_id": request["_id"]})
            if stored is None:
                raise
            return stored, False

    async def add_timeline_entry(
        self, tracking_code: str, event_id: str, entry: dict[str, Any]
    ) -> bool:
        """Returns False when no such request exists."""
        result = await self._collection.update_one(
            {"_id": tracking_code}, {"$set": {f"timeline.{event_id}": entry}}
        )
        return result.matched_count == 1
