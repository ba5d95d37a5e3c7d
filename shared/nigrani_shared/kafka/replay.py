"""Replays a consumer group's dead letters to the topics they came from.

After the cause is fixed (a handler bug, a missing reference), an operator runs
`nigrani dead-letters replay --group routing`. Each dead letter is sent back with its
original key, value and headers (the `nigrani-dlq-*` headers dropped), and the replay's own
consumer group commits what it re-sent, so running it twice replays nothing twice.
Consumers recognise an event they already applied, so a replay is safe.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from nigrani_shared.kafka.history import Progress
from nigrani_shared.kafka.lag import offset_ranges
from nigrani_shared.kafka.offsets import committed_offsets
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.settings import NigraniSettings

logger = logging.getLogger(__name__)
DLQ_HEADER_PREFIX = "nigrani-dlq-"
IDLE_MS = 2000
BATCH = 100


@dataclass(frozen=True)
class ReplayResult:
    replayed: int
    skipped: int  # dead letters that do not say where they came from


class _Silent:
    def start(self, total: int) -> None:
        pass

    def advance(self, records: int) -> None:
        pass


def replay_group(group_id: str) -> str:
    """The consumer group that remembers what has been replayed for `group_id`."""
    return f"{group_id}-dlq-replay"


async def waiting_dead_letters(settings: NigraniSettings, group_id: str) -> int | None:
    """How many dead letters of `group_id` have not been replayed yet; None when the group
    has no dead-letter topic."""
    topic = settings.dead_letter_topic(group_id)
    beginnings, ends = await offset_ranges(settings.kafka_bootstrap_servers, [topic])
    if not ends:
        return None
    committed = await committed_offsets(
        settings.kafka_bootstrap_servers, replay_group(group_id), frozenset(ends)
    )
    return sum(end - _start(tp, committed, beginnings) for tp, end in ends.items())


def _start(
    tp: TopicPartition,
    committed: dict[TopicPartition, int | None],
    beginnings: dict[TopicPartition, int],
) -> int:
    offset = committed.get(tp)
    return beginnings[tp] if offset is None else max(offset, beginnings[tp])


async def replay_dead_letters(
    settings: NigraniSettings,
    group_id: str,
    *,
    limit: int | None = None,
    progress: Progress | None = None,
) -> ReplayResult:
    progress = progress or _Silent()
    waiting = await waiting_dead_letters(settings, group_id)
    progress.start(min(waiting or 0, limit) if limit is not None else waiting or 0)
    consumer = AIOKafkaConsumer(
        settings.dead_letter_topic(group_id),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=replay_group(group_id),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = ProducerHandle(settings.kafka_bootstrap_servers, client_id="nigrani-dlq-replay")
    await consumer.start()
    outcomes: list[bool] = []
    try:
        while limit is None or len(outcomes) < limit:
            room = BATCH if limit is None else min(BATCH, limit - len(outcomes))
            batch = await consumer.getmany(timeout_ms=IDLE_MS, max_records=room)
            if not batch:
                break  # the dead-letter topic is drained
            for tp, records in batch.items():
                for record in records:
                    outcomes.append(await _send_back(producer, record))
                await consumer.commit({tp: records[-1].offset + 1})
                progress.advance(len(records))
    finally:
        await producer.close()
        await consumer.stop()
    return ReplayResult(replayed=sum(outcomes), skipped=outcomes.count(False))


async def _send_back(producer: ProducerHandle, record: ConsumerRecord[bytes, bytes]) -> bool:
    """Sends one dead letter to its original topic; False if it does not say which."""
    headers = list(record.headers or ())
    origin = dict(headers).get(f"{DLQ_HEADER_PREFIX}topic")
    if origin is None:
        logger.warning("dead letter without its original topic skipped")
        return False
    original_headers = [(k, v) for k, v in headers if not k.startswith(DLQ_HEADER_PREFIX)]
    await producer.send_and_wait(
        origin.decode(), value=record.value, key=record.key, headers=original_headers
    )
    return True
