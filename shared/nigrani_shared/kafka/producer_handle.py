"""A producer that is started on first use and rebuilt after a failure.

Intake must keep accepting requests while Kafka is down, so nothing may require the broker
at start-up; and after a broker restart a fresh producer is the simplest way to drop any
half-sent idempotent sequence state.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka import AIOKafkaProducer

from nigrani_shared.events.envelope import EventEnvelope
from nigrani_shared.kafka.producer import create_producer, publish


class ProducerHandle:
    def __init__(self, bootstrap_servers: str, *, client_id: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> AIOKafkaProducer:
        """The started producer; raises the broker's error if it cannot be reached now."""
        async with self._lock:
            if self._producer is None:
                producer = create_producer(self._bootstrap_servers, client_id=self._client_id)
                try:
                    await producer.start()
                except BaseException:
                    await producer.stop()
                    raise
                self._producer = producer
            return self._producer

    async def reset(self) -> None:
        """Drops the producer after a send failed; the next `get` builds a new one."""
        async with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await producer.stop()

    async def close(self) -> None:
        await self.reset()

    async def send_and_wait(
        self,
        topic: str,
        *,
        value: bytes | None,
        key: bytes | None,
        headers: list[tuple[str, bytes]],
    ) -> None:
        """Sends one message and waits for the ack; a failure drops the producer."""
        producer = await self.get()
        try:
            await producer.send_and_wait(topic, value=value, key=key, headers=headers)
        except BaseException:
            await self.reset()
            raise

    async def publish(self, topic: str, envelope: EventEnvelope) -> None:
        producer = await self.get()
        try:
            await publish(producer, topic, envelope)
        except BaseException:
            await self.reset()
            raise
