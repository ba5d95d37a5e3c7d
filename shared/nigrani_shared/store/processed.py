"""The record of events a consumer group has applied, so a redelivery is recognised.

Keyed by event id (an `_id` lookup, the one query FerretDB serves from an index). The
record is written after the handler's effect; handlers are themselves idempotent, so a
crash between the two only costs one harmless re-application.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from pymongo.asynchronous.collection import AsyncCollection

from nigrani_shared.store.client import Document


class ProcessedEvents(Protocol):
    async def seen(self, event_id: str) -> bool: ...

    async def record(self, event_id: str) -> None: ...


class MongoProcessedEvents:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def seen(self, event_id: str) -> bool:
        return await self._collection.find_one({"_id": event_id}, {"_id": 1}) is not None

    async def record(self, event_id: str) -> None:
        await self._collection.update_one(
            {"_id": event_id}, {"$setOnInsert": {"applied_at": datetime.now(UTC)}}, upsert=True
        )
