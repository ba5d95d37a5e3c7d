"""The one consumer loop every service runs.

It takes batches with getmany, applies each event through the handler registered for its
type, and commits `offset + 1` per partition only after the effect is stored. An event id
already applied is skipped. A handler error is retried with backoff a bounded number of
times and then the message goes to the group's dead-letter topic, so a poison message never
blocks a partition. Infrastructure outages (store or broker unreachable) are not poison:
they are retried until the outage ends or the runtime is stopped, and nothing is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError
from aiokafka.structs import ConsumerRecord

from nigrani_shared.events.codec import UndecodableEventError, decode_event
from nigrani_shared.events.envelope import EventEnvelope
from nigrani_shared.kafka.dead_letters import send_to_dead_letters
from nigrani_shared.kafka.metrics import CONSUMER_LAG, EVENTS_HANDLED, HANDLER_SECONDS
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.retry import Backoff, is_transient
from nigrani_shared.logging import log_context
from nigrani_shared.store.processed import ProcessedEvents

logger = logging.getLogger(__name__)

Handler = Callable[[EventEnvelope], Awaitable[None]]
Record: TypeAlias = ConsumerRecord[bytes, bytes]
_T = TypeVar("_T")


@dataclass(frozen=True)
class ConsumerConfig:
    group_id: str
    topics: tuple[str, ...]
    dead_letter_topic: str
    max_attempts: int = 5
    backoff: Backoff = field(default_factory=Backoff)
    max_batch_records: int = 500
    poll_timeout_ms: int = 500


class _Stopping(Exception):
    """Raised inside a batch when shutdown interrupts an infrastructure retry."""


def _raise_unexpected(results: list[BaseException | None]) -> None:
    """A stop during an outage is expected; anything else is a runtime bug and must surface."""
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, _Stopping):
            raise result


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runtime: ConsumerRuntime) -> None:
        self._runtime = runtime

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._runtime.commit_pending()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        logger.info("partitions assigned", extra={"partitions": [str(tp) for tp in assigned]})


class ConsumerRuntime:
    def __init__(
        self,
        *,
        config: ConsumerConfig,
        handlers: Mapping[str, Handler],
        bootstrap_servers: str,
        producer: ProducerHandle,
        processed: ProcessedEvents,
    ) -> None:
        self._config = config
        self._handlers = dict(handlers)
        self._bootstrap_servers = bootstrap_servers
        self._producer = producer
        self._processed = processed
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._batch_lock = asyncio.Lock()
        self._pending: dict[TopicPartition, int] = {}

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            group_id=self._config.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._consumer.subscribe(list(self._config.topics), listener=_CommitOnRevoke(self))
        try:
            await self._consumer.start()
        except BaseException:
            await self._consumer.stop()  # release its connections before a retry
            self._consumer = None
            raise
        self._task = asyncio.create_task(self._run(), name=f"consumer:{self._config.group_id}")
        self._task.add_done_callback(self._report_crash)

    async def stop(self) -> None:
        """Finishes the batch in hand, commits what was applied, and leaves the group."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(Exception):  # a crash was already logged
                await self._task
        if self._consumer is not None:
            await self.commit_pending()
            await self._consumer.stop()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def _report_crash(self, task: asyncio.Task[None]) -> None:
        """A loop that ends without being asked to is a bug: log it; /readyz reports it."""
        if not task.cancelled() and task.exception() is not None:
            logger.error("consumer loop crashed", exc_info=task.exception())

    async def commit_pending(self) -> None:
        async with self._batch_lock:
            await self._commit_unlocked()

    async def _commit_unlocked(self) -> None:
        if not self._pending or self._consumer is None:
            return
        offsets, self._pending = self._pending, {}
        try:
            await self._consumer.commit(offsets)
        except CommitFailedError:
            # The group rebalanced under us (a long outage outlived max.poll.interval): the
            # partitions' new owner gets these events again, and handlers are idempotent.
            logger.warning("commit refused after a rebalance; events will be redelivered")

    async def _run(self) -> None:
        assert self._consumer is not None
        while not self._stopping.is_set():
            batch = await self._consumer.getmany(
                timeout_ms=self._config.poll_timeout_ms,
                max_records=self._config.max_batch_records,
            )
            async with self._batch_lock:
                results = await asyncio.gather(
                    *(self._apply_partition(tp, recs) for tp, recs in batch.items()),
                    return_exceptions=True,
                )
                await self._commit_unlocked()
                _raise_unexpected(results)
            await self._record_lag()

    async def _apply_partition(self, tp: TopicPartition, records: list[Record]) -> None:
        """Records of one partition in order; partitions of a batch run concurrently."""
        for record in records:
            await self._apply(record)
            self._pending[tp] = record.offset + 1

    async def _apply(self, record: Record) -> None:
        try:
            envelope = decode_event(record.value)
        except UndecodableEventError as error:
            await self._dead_letter(record, error, attempts=1)
            EVENTS_HANDLED.labels(self._config.group_id, "undecodable", "dead_lettered").inc()
            return
        with log_context(request_id=envelope.subject, event_id=envelope.id):
            outcome = await self._dispatch(record, envelope)
        EVENTS_HANDLED.labels(self._config.group_id, envelope.type, outcome).inc()

    async def _dispatch(self, record: Record, envelope: EventEnvelope) -> str:
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return "ignored"
        if await self._with_infra_retry(lambda: self._processed.already_applied(envelope.id)):
            return "duplicate"
        started = time.perf_counter()
        try:
            return await self._handle_with_retries(record, envelope, handler)
        finally:
            HANDLER_SECONDS.labels(self._config.group_id, envelope.type).observe(
                time.perf_counter() - started
            )

    async def _handle_with_retries(
        self, record: Record, envelope: EventEnvelope, handler: Handler
    ) -> str:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._with_infra_retry(lambda: handler(envelope))
                await self._with_infra_retry(lambda: self._processed.record(envelope.id))
                return "handled"
            except _Stopping:
                raise
            except Exception as error:
                if attempt >= self._config.max_attempts:
                    logger.warning("giving up on event", extra={"error_type": type(error).__name__})
                    await self._dead_letter(record, error, attempts=attempt)
                    return "dead_lettered"
                await asyncio.sleep(self._config.backoff.delay(attempt))

    async def _with_infra_retry(self, operation: Callable[[], Awaitable[_T]]) -> _T:
        attempt = 0
        while True:
            try:
                return await operation()
            except Exception as error:
                if not is_transient(error):
                    raise
                attempt += 1
                logger.warning(
                    "infrastructure unavailable, retrying",
                    extra={"error_type": type(error).__name__, "attempt": attempt},
                )
                if self._stopping.is_set():
                    raise _Stopping from error
                await asyncio.sleep(self._config.backoff.delay(attempt))

    async def _dead_letter(self, record: Record, error: BaseException, *, attempts: int) -> None:
        await self._with_infra_retry(
            lambda: send_to_dead_letters(
                self._producer,
                self._config.dead_letter_topic,
                record,
                group_id=self._config.group_id,
                error=error,
                attempts=attempts,
            )
        )

    async def _record_lag(self) -> None:
        assert self._consumer is not None
        for tp in self._consumer.assignment():
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue
            position = await self._consumer.position(tp)
            CONSUMER_LAG.labels(self._config.group_id, tp.topic, str(tp.partition)).set(
                max(highwater - position, 0)
            )
