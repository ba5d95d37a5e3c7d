"""The record of events a consumer group has applied, so a redelivery is recognised.

Keyed by event id. Every operation is an insert or a look-up of an `_id` that exists:
stock FerretDB v1.24 scans the whole collection to find that an `_id` is *missing*
(deploy/local adds the index it lacks, other deployments may not), and this collection
grows with every event, so "have I seen it?" is asked by inserting a claim.
A claim left unapplied by a crash is applied again on redelivery; handlers are idempotent,
so that costs one harmless re-application.
"""

from __future__ import annotations

from typing import Protocol

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from nigrani_shared.clock import utc_now
from nigrani_shared.store.client import Document


class ProcessedEvents(Protocol):
    async def already_applied(self, event_id: str) -> bool:
        """True if the event's effect is stored; otherwise claims the event id."""
        ...

    async def record(self, event_id: str) -> None:
        """Marks the event applied, after its effect is stored."""
        ...


class MongoProcessedEvents:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def already_applied(self, event_id: str) -> bool:
        try:
            await self._collection.insert_one(
                {"_id": event_id, "applied": False, "first_seen_at": utc_now()}
            )
            return False
        except DuplicateKeyError:
            claim = await self._collection.find_one({"_id": event_id}, {"applied": 1})
            return bool(claim and claim.get("applied"))

    async def record(self, event_id: str) -> None:
        await self._collection.update_one(
            {"_id": event_id},
            {"$set": {"applied": True, "applied_at": utc_now()}},
            upsert=True,
        )
