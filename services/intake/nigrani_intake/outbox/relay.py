"""Publishes outbox entries to Kafka and clears them once the broker has acknowledged.

The relay wakes when intake writes an entry (low latency) and otherwise polls once a
second (entries left by a crash or by another replica). An entry that carries a document
to derive (a submission's request, a citizen action's record: see `Derivation`) is
derived before it is published, unless this process stored that document from this very
entry itself; so an endpoint interrupted between its two writes still leaves a complete
effect. The derived document names the attempt whose entry it came from; an entry of any
other attempt (a replay's, or one whose code turned out to be somebody else's) announces
nothing and is cleared unpublished. An entry carrying only an event (a contact erasure)
needs no derivation. While Kafka is down the relay backs off and keeps every entry;
nothing that announces an event is removed until the broker has acknowledged it.

Each replica publishes at once only the entries its own endpoint wrote; an entry written
elsewhere (another replica, or this one before a restart) is left to its writer for a
grace period and taken over only when it is older than that. So replicas do not publish
each other's entries twice in normal operation, and an entry orphaned by a crash is
published a few seconds late rather than never. Two replicas can still both publish an
old entry; the event id is deterministic, so consumers recognise the second copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import NamedTuple

from nigrani_shared.clock import utc_now
from nigrani_shared.events import RequestSubmittedV1, encode_event
from nigrani_shared.kafka.producer import headers_for_type
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.retry import Backoff, is_transient
from nigrani_shared.outage import OutageLog
from nigrani_shared.store.client import Document
from prometheus_client import Counter, Gauge

from nigrani_intake.outbox.repository import OutboxRepository
from nigrani_intake.outbox.signal import OutboxSignal
from nigrani_intake.submissions.documents import submitted_event

logger = logging.getLogger(__name__)

OUTBOX_PUBLISHED = Counter(
    "nigrani_outbox_published_total", "Outbox events acknowledged by Kafka and cleared."
)
OUTBOX_FAILURES = Counter(
    "nigrani_outbox_publish_failures_total", "Relay rounds that failed and were retried."
)
OUTBOX_REDUNDANT = Counter(
    "nigrani_outbox_redundant_total",
    "Outbox entries cleared unpublished: a replay's, or one for a code that was taken.",
)
OUTBOX_PENDING = Gauge("nigrani_outbox_pending", "Events durable in the outbox, not yet in Kafka.")
IDLE_POLL_SECONDS = 1.0
HELD_BACK_POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 10.0

#: Derives what an entry announces (idempotently) and says whether this very entry is the
#: one that announces it. Keyed by the entry field that holds the document to derive.
Derivation = Callable[[Document], Awaitable[bool]]


class Round(NamedTuple):
    cleared: int  # entries published or found to announce nothing, and removed
    held_back: int  # young entries left to the replica that wrote them


class OutboxRelay:
    def __init__(
        self,
        *,
        outbox: OutboxRepository,
        derivations: Mapping[str, Derivation],
        producer: ProducerHandle,
        signal: OutboxSignal,
        batch_size: int,
        foreign_grace_seconds: float,
    ) -> None:
        self._outbox = outbox
        self._derivations = dict(derivations)
        self._producer = producer
        self._signal = signal
        self._batch_size = batch_size
        self._foreign_grace = timedelta(seconds=foreign_grace_seconds)
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
        outage = OutageLog(logger, "Kafka or the store (outbox entries are kept)")
        failures = 0
        while not self._stopping:
            self._signal.written.clear()
            try:
                round_ = await self.publish_pending()
                outage.recovered()
                failures = 0
            except Exception as error:
                failures += 1
                OUTBOX_FAILURES.inc()
                if is_transient(error):
                    outage.failed(error)
                else:  # a bug, not an outage: loud every time
                    logger.exception("outbox relay round failed; entries kept")
                await asyncio.sleep(backoff.delay(failures))
                continue
            if round_.cleared == 0:
                # Nothing was due. Wait for the endpoint's signal, unless only entries held
                # back for another replica were seen: then the signal cannot help (those
                # entries hide newer ones), and a short pause avoids spinning on scans.
                if round_.held_back:
                    await asyncio.sleep(HELD_BACK_POLL_SECONDS)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._signal.written.wait(), IDLE_POLL_SECONDS)

    async def publish_pending(self) -> Round:
        """One round: publish up to a batch of entries.

        Entries that announce nothing are cleared before the send, so a copy of contact
        details they may hold (a replay's) does not wait for Kafka."""
        pending = await self._outbox.pending(self._batch_size)
        mine = {e["_id"] for e in pending if self._signal.stored_here(e["_id"], e.get("attempt"))}
        taken_over = utc_now() - self._foreign_grace
        entries = [e for e in pending if e["_id"] in mine or e["created_at"] <= taken_over]
        held_back = len(pending) - len(entries)
        OUTBOX_PENDING.set(len(pending))
        if not entries:
            return Round(cleared=0, held_back=held_back)
        announcing = await asyncio.gather(
            *(self._announces(entry, stored_here=entry["_id"] in mine) for entry in entries)
        )
        deliverable = [entry for entry, ok in zip(entries, announcing, strict=True) if ok]
        redundant = [entry["_id"] for entry, ok in zip(entries, announcing, strict=True) if not ok]
        await self._outbox.remove(redundant)
        OUTBOX_REDUNDANT.inc(len(redundant))
        await self._send_all(deliverable)
        await self._outbox.remove([entry["_id"] for entry in deliverable])
        self._signal.forget(entry["_id"] for entry in entries)
        OUTBOX_PUBLISHED.inc(len(deliverable))
        OUTBOX_PENDING.set(held_back)
        return Round(cleared=len(entries), held_back=held_back)

    async def _announces(self, entry: Document, *, stored_here: bool) -> bool:
        """Whether this entry is the one that announces its event: always for an entry
        with nothing to derive, or one whose document this process stored from it;
        otherwise as its derivation says."""
        if stored_here:
            return True
        for field, derivation in self._derivations.items():
            if field in entry:
                return await derivation(entry)
        return True

    async def _send_all(self, entries: list[Document]) -> None:
        if not entries:
            return
        producer = await self._producer.get()
        try:
            pending = []
            for entry in entries:
                value, event_type = wire_event(entry)
                pending.append(
                    await producer.send(
                        entry["topic"],
                        value=value,
                        key=entry["request_id"].encode(),
                        headers=headers_for_type(event_type),
                    )
                )
            await asyncio.gather(*pending)
        except BaseException:
            await self._producer.reset()
            raise


def wire_event(entry: Document) -> tuple[bytes, str]:
    """The bytes and type to publish for an entry. An entry written by a version before
    `request.submitted.v2` holds a v1 event with contact details: its event is rebuilt
    from the request it carries, so nothing personal reaches the topic after an upgrade."""
    if entry["event_type"] == RequestSubmittedV1.event_type and "request" in entry:
        event = submitted_event(entry["request"])
        return encode_event(event), event.type
    return entry["event"].encode(), entry["event_type"]
