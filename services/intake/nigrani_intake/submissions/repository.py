"""The requests collection: one document per request, `_id` = tracking code.

Every write and read here is an `_id` lookup, the only filter FerretDB serves from an index.
The public timeline is a map keyed by event id, so applying an event twice is one `$set`
of the same value rather than a duplicate entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nigrani_shared.store.client import Document, IndexSpec
from nigrani_shared.store.writes import InsertOutcome, insert_or_get
from pymongo.asynchronous.collection import AsyncCollection

COLLECTION = "requests"
INDEXES = [
    IndexSpec(COLLECTION, [("category", 1), ("submitted_at", -1)], "by_category_time"),
]


class RequestsRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def get(self, tracking_code: str) -> Document | None:
        return await self._collection.find_one({"_id": tracking_code})

    async def derive(self, request: Document) -> InsertOutcome:
        """Creates the request from its outbox entry unless it exists (requests are never
        deleted, so `stored` is always set). The endpoint and the relay may both do this
        for one request at once: whichever inserts first wins, the other reads."""
        outcome = await insert_or_get(self._collection, request)
        if outcome.stored is None:
            raise LookupError(f"request {request['_id']} vanished")
        return outcome

    async def erase_contact(self, tracking_code: str, erased_at: datetime) -> None:
        """Removes the contact details for good; the request and its timeline stay."""
        await self._collection.update_one(
            {"_id": tracking_code}, {"$set": {"contact": None, "contact_erased_at": erased_at}}
        )

    async def record_message(self, tracking_code: str, message_id: str, ref: Document) -> None:
        """Notes a citizen action on the request (a `$set` under its id: idempotent)."""
        await self._collection.update_one(
            {"_id": tracking_code}, {"$set": {f"citizen_messages.{message_id}": ref}}
        )

    async def add_timeline_entry(
        self, tracking_code: str, event_id: str, entry: dict[str, Any]
    ) -> bool:
        """Returns False when no such request exists."""
        result = await self._collection.update_one(
            {"_id": tracking_code}, {"$set": {f"timeline.{event_id}": entry}}
        )
        return result.matched_count == 1
