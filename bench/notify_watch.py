"""What the notify bench reads back from the lifecycle topic, as every consumer sees it:
each `request.submitted` (its event id, which names the deliveries it owes, the
envelope's `time` and the Kafka record's timestamp) and each delivery's announced end
(`notification.sent` / `notification.failed`, by delivery key)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import AIOKafkaConsumer
from nigrani_notify.messages import Channel, delivery_key

SUBMITTED = "org.nigrani.request.submitted."
SENT = "org.nigrani.notification.sent.v1"
FAILED = "org.nigrani.notification.failed.v1"
CITIZEN = "citizen"


@dataclass(frozen=True)
class Submitted:
    request_id: str
    event_id: str
    time: float  # the envelope's `time` (set by intake when it accepted the request)
    published: float  # the Kafka record's timestamp (set by intake's relay's producer)

    def key(self, channel: Channel) -> str:
        return delivery_key(self.event_id, channel, CITIZEN)


@dataclass
class LifecycleWatch:
    bootstrap: str
    topic: str
    submitted: dict[str, Submitted] = field(default_factory=dict)  # by request id
    ended: dict[str, str] = field(default_factory=dict)  # delivery key -> sent / failed
    repeated_ends: int = 0
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            self.topic, bootstrap_servers=self.bootstrap, auto_offset_reset="latest"
        )
        await self._consumer.start()
        await self._consumer.seek_to_end()
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        assert self._consumer is not None
        while True:
            batch = await self._consumer.getmany(timeout_ms=100, max_records=5000)
            for records in batch.values():
                for record in records:
                    self._take(json.loads(record.value), record.timestamp / 1000)

    def _take(self, event: dict[str, object], published: float) -> None:
        kind = str(event["type"])
        data = event["data"]
        assert isinstance(data, dict)
        if kind.startswith(SUBMITTED):
            request_id = str(event["subject"])
            self.submitted[request_id] = Submitted(
                request_id=request_id,
                event_id=str(event["id"]),
                time=datetime.fromisoformat(str(event["time"])).timestamp(),
                published=published,
            )
        elif kind in (SENT, FAILED):
            key = str(data["delivery_id"])
            if key in self.ended:
                self.repeated_ends += 1
            self.ended[key] = "sent" if kind == SENT else "failed"

    async def until(self, keys: set[str], within: float) -> bool:
        """Waits until every delivery key has ended (announced)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if keys <= self.ended.keys():
                return True
            await asyncio.sleep(0.1)
        return False

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()
