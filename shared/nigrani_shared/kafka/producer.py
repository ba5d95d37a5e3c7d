"""The producer every service uses: idempotent, acks=all, lingering to batch."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from nigrani_shared.events.codec import CONTENT_TYPE, encode_event
from nigrani_shared.events.envelope import EventEnvelope


def create_producer(
    bootstrap_servers: str, *, client_id: str, request_timeout_ms: int = 15_000
) -> AIOKafkaProducer:
    """Idempotence stops a broker-side retry from writing an event twice; it implies
    acks=all, so an acknowledged event survives the loss of the leader."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=64 * 1024,
        request_timeout_ms=request_timeout_ms,
        compression_type=None,
    )


def event_headers(envelope: EventEnvelope) -> list[tuple[str, bytes]]:
    return headers_for_type(envelope.type)


def headers_for_type(event_type: str) -> list[tuple[str, bytes]]:
    """The Kafka headers of every event we publish (the one place they are built)."""
    return [("content-type", CONTENT_TYPE.encode()), ("ce_type", event_type.encode())]


async def publish(producer: AIOKafkaProducer, topic: str, envelope: EventEnvelope) -> None:
    """Sends one event keyed by its subject (the request id) and waits for the broker's ack."""
    await producer.send_and_wait(
        topic,
        value=encode_event(envelope),
        key=envelope.subject.encode(),
        headers=event_headers(envelope),
    )
