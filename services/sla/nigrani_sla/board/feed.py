"""Keeps a running process's board current: the stored clocks at start, then every
request's clock again whenever the lifecycle topic carries an event of that request.

Where the clocks come from: the `clocks` collection, written only by the SLA consumer.
At start (and after every restart of the topic reader) the board loads every clock, a
scan of the collection that is acceptable once at start-up, as routing's queue does. Then
a BroadcastReader, positioned before the scan where the SLA consumer group has committed
(not at the topic's end: a consumer catching up after downtime changes clocks for events
already on the topic, and the board must follow those too), follows the topic and on each
event re-reads that one clock by `_id` (one indexed read per event).

The race, and why re-reading on the event alone is not enough: the events the SLA
consumer reacts to (submitted, routed, case changed) are on the topic *before* the
consumer has written the clock they change; this reader and the SLA consumer see them at
about the same time, so the read often returns the clock as it was before the event.
Three things close the gap:

1. Each event says what the clock must show once it has been handled (an `Expectation`:
   the case version of a CaseChanged, the generation of a DeadlineSet, the clock's mere
   existence for a submission). A read that falls short puts the request on a recheck
   list, re-read after 0.5 s, 1 s, 2 s... (at most every 30 s) until the clock shows it,
   for up to five minutes, so a consumer that lags behind is caught up with as it goes.
   Clock versions only grow, so "at least this version" is a safe test.
2. DeadlineSet is published by the SLA consumer *after* it wrote the clock, so a read on
   it sees that generation at least; that also covers a clock written after the scan
   from an event that came before the reader's start position.
3. A full reload every `full_refresh_seconds` (15 minutes by default, a scan) bounds how
   long anything missed otherwise can stay wrong: a clock change not followed by any
   event and missed by a recheck that gave up (a consumer down for more than five
   minutes), or a clock written after the scan for an event before the start position.

Every read and every load runs under one lock, so a reload that scanned a clock before a
newer read cannot put the older one back (the board's newer-wins rule covers the rest).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

from aiokafka import TopicPartition
from nigrani_shared.events import (
    CaseChanged,
    DeadlineSet,
    EventData,
    EventEnvelope,
    RequestRouted,
)
from nigrani_shared.kafka.broadcast import BroadcastReader
from nigrani_shared.kafka.offsets import committed_offsets
from nigrani_shared.service import ServiceClients
from nigrani_shared.store.client import Document
from pymongo.asynchronous.collection import AsyncCollection

from nigrani_sla.board.projection import BoardProjection
from nigrani_sla.clock.record import ClockRecord, record_from_document

logger = logging.getLogger(__name__)

CLOCKS = "clocks"
MAX_WAITING = 100_000  # past this, the periodic reload is what catches up


@dataclass(frozen=True)
class FeedTiming:
    tick_seconds: float = 0.25  # how often the recheck list is looked at
    recheck_first_seconds: float = 0.5
    recheck_max_seconds: float = 30.0
    recheck_for_seconds: float = 300.0
    full_refresh_seconds: float = 900.0  # 0: only at (re)start


@dataclass(frozen=True)
class Expectation:
    """What a request's clock shows at least, once the SLA consumer handled an event."""

    case_version: int = 0
    generation: int = 0

    def met_by(self, record: ClockRecord | None) -> bool:
        return (
            record is not None
            and record.case_version >= self.case_version
            and record.generation >= self.generation
        )

    def merge(self, other: Expectation) -> Expectation:
        return Expectation(
            case_version=max(self.case_version, other.case_version),
            generation=max(self.generation, other.generation),
        )


def expectation_of(data: EventData) -> Expectation:
    """Any event of a request: its clock exists (the submission was handled). A routing
    is case version 1; a case change (an escalation too) its version; a deadline its
    generation. Warnings, breaches and escalations fired by the SLA service itself come
    after the clock they concern, so they need nothing more."""
    if isinstance(data, CaseChanged):
        return Expectation(case_version=data.case_version)
    if isinstance(data, RequestRouted):
        return Expectation(case_version=1)
    if isinstance(data, DeadlineSet):
        return Expectation(generation=data.generation)
    return Expectation()


@dataclass
class _Waiting:
    expectation: Expectation
    since: float
    delay: float
    next_at: float


class BoardFeed:
    def __init__(
        self,
        clocks: AsyncCollection[Document],
        board: BoardProjection,
        timing: FeedTiming = FeedTiming(),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clocks = clocks
        self._board = board
        self._timing = timing
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._waiting: dict[str, _Waiting] = {}
        self.given_up = 0  # rechecks that ran out of time (the reload catches those up)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def reload(self) -> None:
        """Every stored clock, replacing the board's content."""
        async with self._lock:
            loader = self._board.loader()
            async for document in self._clocks.find({}):
                loader.add(record_from_document(document))
            loader.finish()

    async def on_event(self, envelope: EventEnvelope) -> None:
        request_id = getattr(envelope.data, "request_id", None)
        if isinstance(request_id, str):
            await self.refresh(request_id, expectation_of(envelope.data))

    async def refresh(self, request_id: str, expectation: Expectation) -> bool:
        """Re-reads one clock and applies it; returns whether it shows `expectation`,
        and puts the request on the recheck list when it does not."""
        met = expectation.met_by(await self._read(request_id))
        if not met:
            self._wait_for(request_id, expectation)
        return met

    async def recheck_due(self) -> None:
        """Re-reads the clocks whose recheck time has come."""
        now = self._monotonic()
        due = [rid for rid, waiting in self._waiting.items() if waiting.next_at <= now]
        for request_id in due:
            record = await self._read(request_id)
            waiting = self._waiting.get(request_id)  # an event may have raised it meanwhile
            if waiting is None:
                continue
            if waiting.expectation.met_by(record):
                del self._waiting[request_id]
            elif now - waiting.since >= self._timing.recheck_for_seconds:
                del self._waiting[request_id]
                self.given_up += 1
            else:
                waiting.delay = min(waiting.delay * 2, self._timing.recheck_max_seconds)
                waiting.next_at = now + waiting.delay

    async def _read(self, request_id: str) -> ClockRecord | None:
        async with self._lock:
            document = await self._clocks.find_one({"_id": request_id})
            record = record_from_document(document) if document is not None else None
            if record is not None:
                self._board.apply(record)
        return record

    def _wait_for(self, request_id: str, expectation: Expectation) -> None:
        held = self._waiting.get(request_id)
        if held is not None:
            held.expectation = held.expectation.merge(expectation)
            return
        if len(self._waiting) >= MAX_WAITING:
            self.given_up += 1
            return
        first = self._timing.recheck_first_seconds
        now = self._monotonic()
        self._waiting[request_id] = _Waiting(expectation, now, first, now + first)

    async def run(self, ready: Callable[[], bool]) -> None:
        """The recheck list every tick and, once the reader has loaded the board, a full
        reload every `full_refresh_seconds`; errors (a store outage) are retried."""
        timing = self._timing
        reloaded_at = self._monotonic()
        while True:
            await asyncio.sleep(timing.tick_seconds)
            try:
                await self.recheck_due()
                stale = self._monotonic() - reloaded_at >= timing.full_refresh_seconds
                if ready() and timing.full_refresh_seconds > 0 and stale:
                    await self.reload()
                    reloaded_at = self._monotonic()
            except Exception as error:
                logger.warning(
                    "board refresh failed; retrying", extra={"error_type": type(error).__name__}
                )


def start_board_feed(
    stack: AsyncExitStack,
    clients: ServiceClients,
    board: BoardProjection,
    *,
    consumer_group: str,
    timing: FeedTiming = FeedTiming(),
) -> BroadcastReader:
    """Loads `board` from the store and keeps it current until the stack closes. The
    reader's `ready()` is true once the first load is done: the readiness check.
    `consumer_group` is the SLA consumer's group, where the reader starts."""
    feed = BoardFeed(clients.db[CLOCKS], board, timing)
    bootstrap = clients.settings.kafka_bootstrap_servers

    async def start_at(partitions: frozenset[TopicPartition]) -> dict[TopicPartition, int | None]:
        return await committed_offsets(bootstrap, consumer_group, partitions)

    reader = BroadcastReader(
        bootstrap_servers=clients.settings.kafka_bootstrap_servers,
        topic=clients.settings.lifecycle_topic,
        on_event=feed.on_event,
        resync=feed.reload,
        client_id=f"nigrani-{clients.settings.service_name}-board",
        start_at=start_at,
    )
    reader.start()
    stack.push_async_callback(reader.stop)
    task = asyncio.create_task(feed.run(reader.ready), name="sla-board-refresh")
    stack.push_async_callback(_cancel, task)
    return reader


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
