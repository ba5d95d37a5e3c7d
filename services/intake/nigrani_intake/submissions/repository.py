"""The requests collection: one document per request, `_id` = tracking code.

Every write and read here is an `_id` lookup, the only filter FerretDB serves from an index.
The document is written once, at submission, and afterwards updated only by the contact
erasure: FerretDB applies an update by reading the whole document and writing it back, so
a second writer could put erased contact details back or lose its own change. What grows
later lives in insert-only documents of its own: the timeline (timeline_repository.py)
and the citizen's message references (followup/repository.py). The `timeline` map here
holds the submitted entry (and, on requests stored before that layout, older entries).
"""

from __future__ import annotations

from datetime import datetime

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

    async def exists(self, tracking_code: str) -> bool:
        return await self._collection.find_one({"_id": tracking_code}, {"_id": 1}) is not None

    async def derive(self, request: Document) -> InsertOutcome:
        """Creates the request from its outbox entry unless it exists (requests are never
        deleted, so `stored` is always set). The endpoint and the relay may both do this
        for one request at once: whichever inserts first wins, the other reads."""
        outcome = await insert_or_get(self._collection, request)
        if outcome.stored is None:
            raise LookupError(f"request {request['_id']} vanished")
        return outcome

    async def erase_contact(self, tracking_code: str, erased_at: datetime) -> None:
        """Removes the contact details for good; the request and its timeline stay. The
        only update of a request after submission, so no other writer can undo it."""
        await self._collection.update_one(
            {"_id": tracking_code}, {"$set": {"contact": None, "contact_erased_at": erased_at}}
        )
