"""Copies a message the consumer gave up on to the group's dead-letter topic.

The original key, value and headers are kept byte for byte, and `nigrani-dlq-*` headers say
why and where it came from, so an admin can inspect it and replay it to the original topic.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka.structs import ConsumerRecord

from nigrani_shared.kafka.metrics import DEAD_LETTERS
from nigrani_shared.kafka.producer_handle import ProducerHandle

MAX_ERROR_CHARS = 500


def dead_letter_headers(
    record: ConsumerRecord[bytes, bytes], *, group_id: str, error: BaseException, attempts: int
) -> list[tuple[str, bytes]]:
    reason = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
    added = {
        "nigrani-dlq-error": reason,
        "nigrani-dlq-group": group_id,
        "nigrani-dlq-topic": record.topic,
        "nigrani-dlq-partition": str(record.partition),
        "nigrani-dlq-offset": str(record.offset),
        "nigrani-dlq-attempts": str(attempts),
        "nigrani-dlq-failed-at": datetime.now(UTC).isoformat(),
    }
    original = [(key, value) for key, value in record.headers or ()]
    return original + [(key, value.encode()) for key, value in added.items()]


async def send_to_dead_letters(
    producer: ProducerHandle,
    dead_letter_topic: str,
    record: ConsumerRecord[bytes, bytes],
    *,
    group_id: str,
    error: BaseException,
    attempts: int,
) -> None:
    await producer.send_and_wait(
        dead_letter_topic,
        value=record.value,
        key=record.key,
        headers=dead_letter_headers(record, group_id=group_id, error=error, attempts=attempts),
    )
    DEAD_LETTERS.labels(group_id, record.topic, type(error).__name__).inc()
