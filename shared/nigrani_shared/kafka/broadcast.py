"""Every replica reads every partition of a topic from now on: the feed of an in-memory
read model, not a unit of work.

Unlike the consumer runtime (runtime.py) there is no group, no commit and no dead letter:
nothing is owed to a message here, each replica just keeps its view current. Because a
reader that was down has missed events, it calls `resync` after each (re)start, once
positioned at the end of every partition, so the view reloads from the store and then
follows the topic; items carry versions, so the two sources may overlap in any order.

By default it starts at the end of every partition, which is right for a view whose every
event is stored before it is published (a case change). A view fed by events that a
consumer group stores only after reading them (another service's events) would miss those
published before the reader started and stored after its reload: `start_at` then names
where to start instead, such as the offsets that group has committed (everything before
them is in the store; everything from them on is read here).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition

from nigrani_shared.events import EventEnvelope, decode_event
from nigrani_shared.events.codec import UndecodableEventError, UnknownEventTypeError
from nigrani_shared.kafka.retry import Backoff

logger = logging.getLogger(__name__)

OnEvent = Callable[[EventEnvelope], Awaitable[None]]
Resync = Callable[[], Awaitable[None]]
#: Where to start reading each assigned partition; None (or missing): its beginning.
StartAt = Callable[[frozenset[TopicPartition]], Awaitable[Mapping[TopicPartition, int | None]]]
ASSIGNMENT_POLLS = 300  # tenths of a second: then restart with backoff


class BroadcastReader:
    def __init__(
        self,
        *,
        bootstrap_servers: str,
        topic: str,
        on_event: OnEvent,
        resync: Resync,
        client_id: str,
        start_at: StartAt | None = None,
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._start_at = start_at
        self._topic = topic
        self._on_event = on_event
        self._resync = resync
        self._client_id = client_id
        self._task: asyncio.Task[None] | None = None
        self._synced = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name=f"broadcast-{self._topic}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def ready(self) -> bool:
        return self._synced.is_set()

    async def _supervise(self) -> None:
        backoff = Backoff(initial_seconds=0.5, max_seconds=10)
        attempt = 0
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Still ready: the view is served from memory while the reader restarts
                # (and resyncs from the store), so a broker blip never takes every
                # replica's staff API out at once. Ready means "loaded at least once".
                logger.warning(
                    "broadcast reader stopped; restarting",
                    extra={"topic": self._topic, "error_type": type(error).__name__},
                )
                attempt += 1
                await asyncio.sleep(backoff.delay(attempt))

    async def _follow(self) -> None:
        # Without a group, aiokafka assigns every partition of a subscribed topic to this
        # consumer, and a fresh assignment starts at the end ("latest").
        consumer = AIOKafkaConsumer(
            self._topic,
            bootstrap_servers=self._bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            client_id=self._client_id,
        )
        await consumer.start()
        try:
            for _ in range(ASSIGNMENT_POLLS):
                if consumer.assignment():
                    break
                await asyncio.sleep(0.1)
            else:
                raise LookupError(f"no partitions of {self._topic} assigned")
            if self._start_at is not None:
                await self._seek_to_start(consumer)
            for tp in consumer.assignment():
                await consumer.position(tp)  # fix the start before reloading the store
            await self._resync()
            self._synced.set()
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                for records in batches.values():
                    for record in records:
                        await self._deliver(record.value)
        finally:
            await consumer.stop()

    async def _seek_to_start(self, consumer: AIOKafkaConsumer) -> None:
        assert self._start_at is not None
        assignment = frozenset(consumer.assignment())
        starts = await self._start_at(assignment)
        for tp in assignment:
            offset = starts.get(tp)
            if offset is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, offset)

    async def _deliver(self, value: bytes | None) -> None:
        try:
            envelope = decode_event(value)
        except (UndecodableEventError, UnknownEventTypeError):
            return  # not for a read model to judge; the working consumers dead-letter it
        await self._on_event(envelope)
