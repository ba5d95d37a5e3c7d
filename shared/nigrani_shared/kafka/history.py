"""Reads a topic's whole history through a group's handlers, without joining the group:
how a read model is rebuilt (`nigrani read-model rebuild`).

The reader is assigned every partition by hand (no consumer group, nothing committed),
reads from the beginning up to the end offsets taken when it starts, and calls the same
handlers the live consumer calls. Those handlers are idempotent (a redelivery meets its own
effect), so the rebuild can run beside the live consumer: each event's effect is stored
once, by whichever writer comes first. Events that arrive after the start are the live
consumer's to apply.

An outage of the store or the broker stops the rebuild (run it again: it is idempotent);
an event a handler refuses is counted and skipped, as the live consumer would have
dead-lettered it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition

from nigrani_shared.events.codec import UndecodableEventError, UnknownEventTypeError, decode_event
from nigrani_shared.kafka.handling import Handler, Record
from nigrani_shared.kafka.lag import offset_ranges
from nigrani_shared.kafka.retry import is_transient

BATCH = 500
POLL_MS = 1000


class Progress(Protocol):
    """Told how many records lie ahead, then of each batch read."""

    def start(self, total: int) -> None: ...

    def advance(self, records: int) -> None: ...


@dataclass
class HistoryApplied:
    read: int = 0
    applied: int = 0
    ignored: int = 0  # a type these handlers do not act on, unknown or undecodable
    failed: Counter[str] = field(default_factory=Counter)  # by the handler's error type


async def apply_history(
    bootstrap_servers: str, topic: str, handlers: Mapping[str, Handler], progress: Progress
) -> HistoryApplied:
    beginnings, ends = await offset_ranges(bootstrap_servers, [topic])
    pending = {tp: end for tp, end in ends.items() if end > beginnings[tp]}
    progress.start(sum(end - beginnings[tp] for tp, end in pending.items()))
    outcome = HistoryApplied()
    if not pending:
        return outcome
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(pending))
        await consumer.seek_to_beginning(*pending)
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=POLL_MS, max_records=BATCH)
            for tp, records in batch.items():
                wanted = [r for r in records if r.offset < pending.get(tp, 0)]
                for record in wanted:
                    await _apply(record, handlers, outcome)
                progress.advance(len(wanted))
            await _drop_finished(consumer, pending)
    finally:
        await consumer.stop()
    return outcome


async def _apply(record: Record, handlers: Mapping[str, Handler], outcome: HistoryApplied) -> None:
    outcome.read += 1
    try:
        envelope = decode_event(record.value)
    except (UnknownEventTypeError, UndecodableEventError):
        outcome.ignored += 1
        return
    handler = handlers.get(envelope.type)
    if handler is None:
        outcome.ignored += 1
        return
    try:
        await handler(envelope)
    except Exception as error:
        if is_transient(error):
            raise
        outcome.failed[type(error).__name__] += 1
        return
    outcome.applied += 1


async def _drop_finished(consumer: AIOKafkaConsumer, pending: dict[TopicPartition, int]) -> None:
    """Stops reading a partition once its position reaches the end taken at the start."""
    for tp, end in list(pending.items()):
        if await consumer.position(tp) >= end:
            del pending[tp]
