"""Replays a consumer group's dead letters to the topics they came from.

After the cause is fixed (a handler bug, a missing reference), an admin runs
`python -m nigrani_shared.kafka.replay --group routing`. Each dead letter is sent back with
its original key, value and headers (the `nigrani-dlq-*` headers dropped), and the replay's
own consumer group commits what it re-sent, so running it twice replays nothing twice.
Consumers recognise an event they already applied, so a replay is safe.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord

from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.logging import configure_logging
from nigrani_shared.settings import NigraniSettings

logger = logging.getLogger(__name__)
DLQ_HEADER_PREFIX = "nigrani-dlq-"
IDLE_MS = 2000


@dataclass(frozen=True)
class ReplayResult:
    replayed: int
    skipped: int  # dead letters that do not say where they came from


async def replay_dead_letters(
    settings: NigraniSettings, group_id: str, *, limit: int | None = None
) -> ReplayResult:
    consumer = AIOKafkaConsumer(
        settings.dead_letter_topic(group_id),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=f"{group_id}-dlq-replay",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = ProducerHandle(settings.kafka_bootstrap_servers, client_id="nigrani-dlq-replay")
    await consumer.start()
    outcomes: list[bool] = []
    try:
        while limit is None or len(outcomes) < limit:
            batch = await consumer.getmany(timeout_ms=IDLE_MS, max_records=limit or 100)
            if not batch:
                break  # the dead-letter topic is drained
            for tp, records in batch.items():
                for record in records:
                    outcomes.append(await _send_back(producer, record))
                await consumer.commit({tp: records[-1].offset + 1})
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m nigrani_shared.kafka.replay")
    parser.add_argument("--group", required=True, help="consumer group whose DLQ to replay")
    parser.add_argument("--limit", type=int, default=None, help="stop after this many")
    args = parser.parse_args()
    settings = NigraniSettings(service_name="dlq-replay")
    configure_logging(settings.service_name, settings.log_level)
    result = asyncio.run(replay_dead_letters(settings, args.group, limit=args.limit))
    print(f"replayed {result.replayed} dead letters; skipped {result.skipped}")


if __name__ == "__main__":
    main()
