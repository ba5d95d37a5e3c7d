"""notification.sent / notification.failed, published once a delivery has ended.

The event's id is derived from the delivery key, so every announcement of one delivery
is the same event. It is put in an outbox before the outcome is recorded: a sender that
dies after either write leaves the entry, and the relay publishes it after a grace period
once the outcome it announces is the one recorded (a sender that died before recording
it is followed by the delivery's watchdog, which tries again under the same key and
records its own outcome; an entry that disagrees with the recorded outcome is dropped).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    EventEnvelope,
    NotificationFailed,
    NotificationSent,
    decode_event,
)
from nigrani_shared.events.envelope import derived_event_id, new_event
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import insert_or_get
from pymongo.asynchronous.collection import AsyncCollection

from nigrani_notify.deliveries import Delivery, Outcome

logger = logging.getLogger(__name__)
SOURCE = "nigrani/notify"


def announcement(delivery: Delivery, outcome: Outcome) -> EventEnvelope:
    kind = NotificationSent if outcome.settled == "sent" else NotificationFailed
    data = kind(
        request_id=delivery.request_id,
        delivery_id=delivery.key,
        kind=delivery.kind,
        channel=delivery.channel,
        audience=delivery.audience,
        recipient=delivery.recipient,
        attempts=outcome.attempts,
        reason=outcome.reason,
        occurred_at=outcome.at,
    )
    return new_event(
        data,
        subject=delivery.request_id,
        source=SOURCE,
        event_id=derived_event_id("notification", delivery.key, outcome.settled),
    )


class Announcer:
    def __init__(
        self,
        outbox: AsyncCollection[Document],
        outcome_of: Callable[[str], Awaitable[Outcome | None]],
        producer: ProducerHandle,
        topic: str,
        on_published: Callable[[EventEnvelope], None] = lambda _: None,
    ) -> None:
        self._outbox = outbox
        self._outcome_of = outcome_of
        self._producer = producer
        self._topic = topic
        self._on_published = on_published

    async def hold(self, envelope: EventEnvelope) -> None:
        """Step one: the entry that guarantees publication, written before the outcome."""
        entry = {"_id": envelope.id, "envelope": envelope.model_dump_json(), "at": utc_now()}
        await insert_or_get(self._outbox, entry)

    async def publish(self, envelope: EventEnvelope) -> None:
        await self._producer.publish(self._topic, envelope)
        self._on_published(envelope)
        await self._outbox.delete_one({"_id": envelope.id})

    async def drop(self, envelope: EventEnvelope) -> None:
        """The delivery had already ended: another writer announces it."""
        await self._outbox.delete_one({"_id": envelope.id})

    async def relay_round(self, grace: timedelta) -> int:
        """Publishes entries a dead sender left for longer than `grace`; the outbox holds
        only entries in flight, so reading it whole is cheap."""
        relayed = 0
        entries = [entry async for entry in self._outbox.find({"at": {"$lt": utc_now() - grace}})]
        for entry in entries:
            envelope = decode_event(str(entry["envelope"]).encode())
            data = envelope.data
            assert isinstance(data, NotificationSent | NotificationFailed)
            recorded = await self._outcome_of(data.delivery_id)
            if recorded is None:
                continue  # its sender died before deciding: the watchdog will
            settled = "sent" if isinstance(data, NotificationSent) else "failed"
            if recorded.settled != settled:
                await self.drop(envelope)
                continue
            await self.publish(envelope)
            relayed += 1
        if relayed:
            logger.info("relayed notification events a sender left", extra={"count": relayed})
        return relayed
