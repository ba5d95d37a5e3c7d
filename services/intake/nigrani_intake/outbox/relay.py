"""Publishes outbox entries to Kafka and clears them once the broker has acknowledged.

The relay wakes when intake writes an entry (low latency) and otherwise polls once a
second (entries left by a crash or by another replica). Before publishing an entry whose
request this process did not store itself, it derives the request document from the entry,
so a submission interrupted between its two writes still becomes a request. While Kafka is
down it backs off and keeps every entry; nothing is removed until the broker has
acknowledged it. Two replicas may publish one entry twice; the event id is deterministic,
so consumers recognise the second copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nigrani_shared.events.codec import CONTENT_TYPE
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.retry import Backoff
from nigrani_shared.store.client import Document
from prometheus_client import Counter, Gauge

from nigrani_intake.outbox.repository import OutboxRepository
from nigrani_intake.outbox.signal import OutboxSignal
from nigrani_intake.submissions.repository import RequestsRepository

logger = logging.getLogger(__name__)

OUTBOX_PUBLISHED = Counter(
    "nigrani_outbox_published_total", "Outbox events acknowledged by Kafka and cleared."
)
OUTBOX_FAILURES = Counter(
    "nigrani_outbox_publish_failures_total", "Relay rounds that failed and were retried."
)
OUTBOX_PENDING = Gauge("nigrani_outbox_pending", "Events durable in the outbox, not yet in Kafka.")
IDLE_POLL_SECONDS = 1.0
STOP_GRACE_SECONDS = 10.0


class OutboxRelay:
    def __init__(
        self,
        *,
        outbox: OutboxRepository,
        requests: RequestsRepository,
        producer: ProducerHandle,
        signal: OutboxSignal,
        batch_size: int,
    ) -> None:
        self._outbox = outbox
        self._requests = requests
        self._producer = producer
        self._signal = signal
        self._batch_size = batch_size
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Lets a round in flight finish (bounded), then ends the loop."""
        self._stopping = True
        self._signal.written.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_GRACE_SECONDS)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        backoff = Backoff(initial_seconds=0.2, max_seconds=5.0)
        failures = 0
        while not self._stopping:
            self._signal.written.clear()
            try:
                published = await self.publish_pending()
                failures = 0
            except Exception as error:
                failures += 1
                OUTBOX_FAILURES.inc()
                logger.warning(
                    "outbox relay round failed; entries kept for the next round",
                    extra={"error_type": type(error).__name__, "attempt": failures},
                )
                await asyncio.sleep(backoff.delay(failures))
                continue
            if published == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._signal.written.wait(), IDLE_POLL_SECONDS)

    async def publish_pending(self) -> int:
        """One round: publish up to a batch of entries; returns how many were cleared."""
        entries = await self._outbox.pending(self._batch_size)
        OUTBOX_PENDING.set(len(entries))
        if not entries:
            return 0
        to_derive = [entry for entry in entries if not self._signal.take_stored_here(entry["_id"])]
        owned = await asyncio.gather(*(self._derive_request(entry) for entry in to_derive))
        dropped = {entry["_id"] for entry, ok in zip(to_derive, owned, strict=True) if not ok}
        deliverable = [entry for entry in entries if entry["_id"] not in dropped]
        await self._send_all(deliverable)
        await self._outbox.remove([entry["_id"] for entry in entries])
        OUTBOX_PUBLISHED.inc(len(deliverable))
        OUTBOX_PENDING.set(await self._outbox.count())
        return len(entries)

    async def _derive_request(self, entry: Document) -> bool:
        """False when the entry's tracking code was taken by another submission first:
        its sender never got a 201 for that code, so the entry is dropped unpublished."""
        stored, _ = await self._requests.derive(entry["request"])
        return bool(stored["key_hash"] == entry["key_hash"])

    async def _send_all(self, entries: list[Document]) -> None:
        if not entries:
            return
        producer = await self._producer.get()
        try:
            pending = [
                await producer.send(
                    entry["topic"],
                    value=entry["event"].encode(),
                    key=entry["request_id"].encode(),
                    headers=[
                        ("content-type", CONTENT_TYPE.encode()),
                        ("ce_type", entry["event_type"].encode()),
                    ],
                )
                for entry in entries
            ]
            await asyncio.gather(*pending)
        except BaseException:
            await self._producer.reset()
            raise
