"""The one consumer loop every service runs.

It takes batches with getmany, applies each event through the handler registered for its
type, and commits `offset + 1` per partition only after the effect is stored. An event id
already applied is skipped; so is a type this service does not know or has no handler for
(counted, committed, never dead-lettered, so producers can ship a type before consumers).
A handler error or a handler that outlives its timeout is retried with backoff a bounded
number of times and then the message goes to the group's dead-letter topic, so a poison
message never blocks a partition. Infrastructure outages (store or broker unreachable) are
not poison: they are retried until the outage ends or the runtime is stopped, and nothing
is committed. `stop()` is bounded even while the broker is down: what is abandoned is
logged and will be redelivered (handlers are idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from nigrani_shared.kafka.handling import EventApplier, Handler, InfrastructureCheck, Record
from nigrani_shared.kafka.metrics import CONSUMER_LAG
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.retry import Backoff, Stopping
from nigrani_shared.outage import OutageLog
from nigrani_shared.store.processed import ProcessedEvents

logger = logging.getLogger(__name__)

PROGRESS_MARGIN = timedelta(milliseconds=100)
ANCHOR_TIMEOUT_SECONDS = 5.0  # for the committed offset and position of a new partition
NOTHING_APPLIED = datetime(1970, 1, 1, tzinfo=UTC)

__all__ = ["ConsumerConfig", "ConsumerRuntime", "Handler", "OnProgress", "StartFrom"]

StartFrom = Literal["earliest", "latest"]
# After each round: per partition owned, the moment up to which everything appended to it
# has been applied (see ConsumerRuntime._progress), and how many partitions the topic has
# (the group's first topic: progress is for consumers of one topic).
OnProgress = Callable[[Mapping[int, datetime], int], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerConfig:
    group_id: str
    topics: tuple[str, ...]
    dead_letter_topic: str
    # Where a group with no committed offset starts: stated by every group, no default.
    start_from: StartFrom
    max_attempts: int = 5
    handler_timeout_seconds: float = 30.0
    backoff: Backoff = field(default_factory=Backoff)
    max_batch_records: int = 500
    poll_timeout_ms: int = 500
    stop_grace_seconds: float = 10.0  # for the events in flight when stop() is called
    close_timeout_seconds: float = 5.0  # for the final commit, and again for leaving


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runtime: ConsumerRuntime) -> None:
        self._runtime = runtime

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._runtime.commit_pending()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        # Called after every join, with an empty list too (more replicas than partitions):
        # such a replica is a healthy member of the group, so it is ready as well.
        self._runtime.joined = True
        self._runtime.anchor_later(assigned)
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
        infrastructure_up: InfrastructureCheck | None = None,
        on_progress: OnProgress | None = None,
    ) -> None:
        self._config = config
        self._on_progress = on_progress
        self._last_applied_at: dict[TopicPartition, datetime] = {}
        self._bootstrap_servers = bootstrap_servers
        self._stopping = asyncio.Event()
        self._applier = EventApplier(
            config=config,
            handlers=handlers,
            producer=producer,
            processed=processed,
            stopping=self._stopping,
            infrastructure_up=infrastructure_up,
        )
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._batch_lock = asyncio.Lock()
        self._pending: dict[TopicPartition, int] = {}
        self._in_hand: dict[TopicPartition, int] = {}  # last offset of the batch in hand
        self._unanchored: set[TopicPartition] = set()
        self._commit_outage = OutageLog(logger, "Kafka (offset commit)")
        self.joined = False  # received an assignment (possibly empty) since start
        self.batches = 0  # batches holding records, applied and committed, since start
        self.started_at = 0.0  # time.monotonic() of the last start

    async def start(self) -> None:
        """Starts a fresh consumer; after a crash the same runtime can be started again."""
        self._pending, self._in_hand, self.joined, self.batches = {}, {}, False, 0
        self._unanchored = set()
        self._last_applied_at = {}
        self.started_at = time.monotonic()
        self._stopping.clear()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            group_id=self._config.group_id,
            enable_auto_commit=False,
            auto_offset_reset=self._config.start_from,
        )
        self._consumer.subscribe(list(self._config.topics), listener=_CommitOnRevoke(self))
        try:
            await self._consumer.start()
        except BaseException:
            await self._consumer.stop()  # release its connections before a retry
            self._consumer = None
            raise
        self._task = asyncio.create_task(self._run(), name=f"consumer:{self._config.group_id}")

    async def stop(self) -> None:
        """Finishes the events in flight (bounded), commits what was applied (bounded) and
        leaves the group (bounded). Whatever is abandoned is logged and redelivered later."""
        self._stopping.set()
        task = self._task
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=self._config.stop_grace_seconds)
            if not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=1.0)
                logger.warning(
                    "events in flight abandoned at stop; they will be redelivered",
                    extra={"abandoned": self._unapplied()},
                )
        await self.release()

    async def wait(self) -> BaseException | None:
        """Waits for the loop to end: None after stop(), the error if it crashed."""
        if self._task is None:
            return None
        with contextlib.suppress(BaseException):
            await asyncio.shield(self._task)
        if self._task.cancelled() or self._stopping.is_set():
            return None
        return self._task.exception()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def close_seconds(self) -> float:
        return self._config.close_timeout_seconds

    @property
    def ready(self) -> bool:
        """Running and a member of the group (its assignment received, possibly empty)."""
        return self.running and self.joined

    async def release(self) -> None:
        """Commits what was applied and closes the consumer, each within its deadline."""
        consumer = self._consumer
        self.joined = False
        if consumer is None:
            return
        if not await self._within_close_timeout(self.commit_pending()):
            logger.warning("final commit timed out; applied events will be redelivered")
        self._consumer = None
        if self._pending:
            logger.warning(
                "offsets not committed; those events will be redelivered and skipped",
                extra={"uncommitted": {str(tp): offset for tp, offset in self._pending.items()}},
            )
        if not await self._within_close_timeout(consumer.stop()):
            logger.warning("leaving the consumer group timed out; the broker will expire us")

    async def _within_close_timeout(self, operation: Awaitable[None]) -> bool:
        try:
            await asyncio.wait_for(operation, self._config.close_timeout_seconds)
            return True
        except TimeoutError:
            return False
        except asyncio.CancelledError:
            # aiokafka's close awaits fetch tasks it has just cancelled, which surfaces as a
            # CancelledError while the broker is down; only our own cancellation propagates.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            return True
        except KafkaError as error:
            logger.warning("Kafka error while closing", extra={"error_type": type(error).__name__})
            return True

    async def commit_pending(self) -> None:
        async with self._batch_lock:
            await self._commit_unlocked()

    async def _commit_unlocked(self) -> None:
        if not self._pending or self._consumer is None:
            return
        offsets, self._pending = self._pending, {}
        try:
            await self._consumer.commit(offsets)
            self._commit_outage.recovered()
        except CommitFailedError:
            # The group rebalanced under us (a long outage outlived max.poll.interval): the
            # partitions' new owner gets these events again, and handlers are idempotent.
            logger.warning("commit refused after a rebalance; events will be redelivered")
        except KafkaError as error:
            # Broker or coordinator unreachable: keep the offsets for the next commit.
            self._pending = {**offsets, **self._pending}
            self._commit_outage.failed(error)
        except BaseException:
            self._pending = {**offsets, **self._pending}
            raise

    def _unapplied(self) -> dict[str, str]:
        abandoned: dict[str, str] = {}
        for tp, last in self._in_hand.items():
            first = self._pending.get(tp)
            abandoned[str(tp)] = f"from {first} to {last}" if first is not None else f"to {last}"
        return abandoned

    async def _run(self) -> None:
        assert self._consumer is not None
        while not self._stopping.is_set():
            round_started = datetime.now(UTC)
            batch = await self._consumer.getmany(
                timeout_ms=self._config.poll_timeout_ms,
                max_records=self._config.max_batch_records,
            )
            async with self._batch_lock:
                await self._anchor(batch)
                self._in_hand = {tp: recs[-1].offset for tp, recs in batch.items() if recs}
                results = await asyncio.gather(
                    *(self._apply_partition(tp, recs) for tp, recs in batch.items()),
                    return_exceptions=True,
                )
                self._log_left_for_redelivery()
                await self._commit_unlocked()
                self._in_hand = {}
                _raise_unexpected(results)
            await self._record_lag(round_started)
            if batch:  # an empty poll proves nothing: a crash loop polls empty too
                self.batches += 1

    def anchor_later(self, assigned: list[TopicPartition]) -> None:
        """Notes partitions to anchor before anything of them is applied (see _anchor)."""
        if self._config.start_from == "latest":
            self._unanchored |= set(assigned)

    async def _anchor(self, batch: Mapping[TopicPartition, list[Record]]) -> None:
        """A group that starts at "latest" commits where it started on each partition it
        was given with no committed offset, before applying anything of it. Otherwise a
        member that dies before its first commit there leaves its successor starting at
        the end again, past every event appended in between: none of them would ever be
        applied. The start is the batch's first record, or the position when the batch
        holds none; a partition whose offset or position is not known yet (Kafka away) is
        tried again next round."""
        if not self._unanchored or self._consumer is None:
            return
        consumer, waiting, self._unanchored = self._consumer, self._unanchored, set()
        for tp in waiting & consumer.assignment():
            try:
                # Bounded like the position: aiokafka retries committed() for as long as
                # the coordinator is away, and the batch lock (rebalances, stop) waits.
                committed = await asyncio.wait_for(consumer.committed(tp), ANCHOR_TIMEOUT_SECONDS)
                if committed is not None:
                    continue
                records = batch.get(tp)
                start = (
                    records[0].offset
                    if records
                    else await asyncio.wait_for(consumer.position(tp), ANCHOR_TIMEOUT_SECONDS)
                )
            except (KafkaError, TimeoutError):
                self._unanchored.add(tp)
                continue
            self._pending.setdefault(tp, start)
        await self._commit_unlocked()

    def made_progress(self, *, stable_after_seconds: float) -> bool:
        """Since its last start, the loop applied and committed a batch of records, or has
        been running for `stable_after_seconds` (a quiet topic gives no batches)."""
        if self.batches > 0:
            return True
        return self.running and time.monotonic() - self.started_at >= stable_after_seconds

    async def _apply_partition(self, tp: TopicPartition, records: list[Record]) -> None:
        """Records of one partition in order; partitions of a batch run concurrently.
        Once stopping, the events not yet started are left for the next owner."""
        for record in records:
            if self._stopping.is_set():
                return
            await self._applier.apply(record)
            self._pending[tp] = record.offset + 1
            self._last_applied_at[tp] = datetime.fromtimestamp(record.timestamp / 1000, UTC)

    def _log_left_for_redelivery(self) -> None:
        if self._stopping.is_set() and self._in_hand:
            unapplied = {
                tp: last for tp, last in self._in_hand.items() if self._pending.get(tp, -1) <= last
            }
            if unapplied:
                logger.info(
                    "stopping: events not started are left for redelivery",
                    extra={"left": {str(tp): f"to {last}" for tp, last in unapplied.items()}},
                )

    async def _record_lag(self, round_started: datetime) -> None:
        assert self._consumer is not None
        progress: dict[int, datetime] = {}
        for tp in self._consumer.assignment():
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue
            position = await self._consumer.position(tp)
            CONSUMER_LAG.labels(self._config.group_id, tp.topic, str(tp.partition)).set(
                max(highwater - position, 0)
            )
            progress[tp.partition] = self._progress(tp, position, highwater, round_started)
        if self._on_progress is not None and progress:
            topic_partitions = self._consumer.partitions_for_topic(self._config.topics[0])
            try:
                await self._on_progress(progress, len(topic_partitions or progress))
            except Exception as error:  # progress is advisory: the next round tries again
                logger.warning(
                    "could not record consumer progress",
                    extra={"error_type": type(error).__name__},
                )

    def _progress(
        self, tp: TopicPartition, position: int, highwater: int, round_started: datetime
    ) -> datetime:
        """Up to when everything appended to the partition has been applied. Caught up
        (nothing left below the high watermark of a fetch made in this round): everything
        appended before the round started, less a margin for the producers' clocks and
        the fetch's age. Behind: the time of the last record applied, less the same margin
        (records are appended in order; their timestamps are the producers' clocks)."""
        if position >= highwater:
            return round_started - PROGRESS_MARGIN
        applied = self._last_applied_at.get(tp)
        return NOTHING_APPLIED if applied is None else applied - PROGRESS_MARGIN


def _raise_unexpected(results: list[BaseException | None]) -> None:
    """A stop during an outage is expected; anything else is a runtime bug and must surface."""
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, Stopping):
            raise result
