"""The SLA service's store.

- `clocks`: one document per request (clock/record.py), written only by the consumer
  that owns the request's partition.
- `timers`: the timer wheel's buckets (nigrani_shared.timer_wheel), insert-only.
- `fired`: one document per derived event ever published, `_id` = its deterministic id;
  permanent, so a timer that fires again (a second replica, a repeated second, a
  re-planned point) is recognised by one `_id` read.
- `outbox`: events decided but not yet acknowledged by Kafka, `_id` = the event id,
  deleted after the acknowledgement; a relay publishes what a dead writer left (entries
  older than a grace, by the `at` index). Small, so even a scan stays cheap.
- `consumer_progress`: per partition, up to when the consumer has applied it
  (progress.py); the sweep fires nothing later than the earliest.
"""

from __future__ import annotations

from datetime import datetime

from nigrani_shared.events import EventEnvelope
from nigrani_shared.store.client import Document, IndexSpec
from nigrani_shared.store.writes import insert_or_get
from pymongo.asynchronous.database import AsyncDatabase

from nigrani_sla.clock.record import ClockRecord, record_from_document

CLOCKS = "clocks"
TIMERS = "timers"
FIRED = "fired"
OUTBOX = "outbox"
PROGRESS = "consumer_progress"
#: Every other read is by `_id` (or of a whole small collection); the relay asks the
#: outbox for entries older than its grace, a range MongoDB serves from this index.
INDEXES: tuple[IndexSpec, ...] = (IndexSpec(OUTBOX, [("at", 1)], "by_age"),)


class SlaRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self._clocks = db[CLOCKS]
        self._fired = db[FIRED]
        self._outbox = db[OUTBOX]

    async def clock(self, request_id: str) -> ClockRecord | None:
        document = await self._clocks.find_one({"_id": request_id})
        return None if document is None else record_from_document(document)

    async def save_clock(self, record: ClockRecord) -> None:
        await self._clocks.replace_one(
            {"_id": record.request_id}, record.to_document(), upsert=True
        )

    async def all_clocks(self) -> list[ClockRecord]:
        return [record_from_document(document) async for document in self._clocks.find({})]

    async def was_fired(self, event_id: str) -> bool:
        return await self._fired.find_one({"_id": event_id}) is not None

    async def mark_fired(self, event_id: str, at: datetime) -> None:
        await insert_or_get(self._fired, {"_id": event_id, "at": at})

    async def claim(self, envelope: EventEnvelope, at: datetime) -> bool:
        """Puts the event in the outbox; False if it is there already (another writer
        is publishing it, or its relay will)."""
        entry = {"_id": envelope.id, "envelope": envelope.model_dump_json(), "at": at}
        return (await insert_or_get(self._outbox, entry)).inserted

    async def release(self, event_id: str) -> None:
        await self._outbox.delete_one({"_id": event_id})

    async def pending(self, older_than: datetime) -> list[Document]:
        return [entry async for entry in self._outbox.find({"at": {"$lt": older_than}})]
