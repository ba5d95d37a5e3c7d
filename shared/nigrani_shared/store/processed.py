"""The record of events a consumer group has applied, so a redelivery is recognised.

Keyed by event id. This collection grows with every event, so "have I seen it?" is asked
by inserting a claim (`insert_or_get` says why). A claim left unapplied by a crash is
applied again on redelivery; handlers are idempotent, so that costs one harmless
re-application.
"""

from __future__ import annotations

from typing import Protocol

from pymongo.asynchronous.collection import AsyncCollection

from nigrani_shared.clock import utc_now
from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import insert_or_get


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
        claim = {"_id": event_id, "applied": False, "first_seen_at": utc_now()}
        outcome = await insert_or_get(self._collection, claim)
        return not outcome.inserted and bool(outcome.stored and outcome.stored.get("applied"))

    async def record(self, event_id: str) -> None:
        await self._collection.update_one(
            {"_id": event_id},
            {"$set": {"applied": True, "applied_at": utc_now()}},
            upsert=True,
        )


class EffectsAreIdempotent:
    """For a consumer group whose every effect is naturally idempotent (say, a `$set` keyed
    by the event id): applying an event twice writes the same value again, so the claim and
    the mark would cost two store round trips per event and protect nothing."""

    async def already_applied(self, event_id: str) -> bool:
        return False

    async def record(self, event_id: str) -> None:
        return None
