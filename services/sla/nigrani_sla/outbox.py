"""Publishing the SLA service's own events without losing one or deciding one twice.

An event is put in the outbox (its `_id` is the event id, so the insert is the claim: of
two replicas firing one timer, one wins), published, recorded as fired when it is a
once-only event (warning, breach, escalation), then released. A writer that dies between
the claim and the release leaves the entry; the relay publishes entries older than a
grace period. Kafka may then hold an event twice (the relay and a slow writer), always
under one deterministic id, which consumers recognise.

The claim alone cannot say "fired": it is released after publication, and a replica that
checked `fired` just before the release could claim anew. So a claim is followed by a
second look at `fired`; an event is published only by a claimant that still finds it
unfired.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from nigrani_shared.clock import utc_now
from nigrani_shared.events import EventEnvelope, decode_event
from nigrani_shared.kafka.producer_handle import ProducerHandle

from nigrani_sla.repository import SlaRepository

logger = logging.getLogger(__name__)

OnPublished = Callable[[EventEnvelope], None]
ONCE_ONLY_TYPES = frozenset(
    {"org.nigrani.sla.warning.v1", "org.nigrani.sla.breached.v1", "org.nigrani.sla.escalated.v1"}
)


class SlaOutbox:
    def __init__(
        self,
        repository: SlaRepository,
        producer: ProducerHandle,
        topic: str,
        on_published: OnPublished,
    ) -> None:
        self._repository = repository
        self._producer = producer
        self._topic = topic
        self._on_published = on_published
        # Between two writes of a firing, for tests that force the dangerous orders.
        self.between_writes: Callable[[str], Awaitable[None]] | None = None

    async def fire_once(self, envelope: EventEnvelope) -> bool:
        """Publishes a once-only event unless it was already; True if this call did."""
        if await self._repository.was_fired(envelope.id):
            return False
        if not await self._repository.claim(envelope, utc_now()):
            return False  # another claimant is publishing it, or the relay will
        if await self._repository.was_fired(envelope.id):
            await self._repository.release(envelope.id)
            return False
        await self._pause("claimed")
        await self._publish(envelope)
        await self._pause("published")
        await self._repository.mark_fired(envelope.id, utc_now())
        await self._repository.release(envelope.id)
        return True

    async def claim(self, envelope: EventEnvelope) -> bool:
        """Step one of an event that may be sent again (sla.deadline_set): the entry
        guards it while the state it describes is written."""
        return await self._repository.claim(envelope, utc_now())

    async def send_claimed(self, envelope: EventEnvelope) -> None:
        await self._publish(envelope)
        await self._repository.release(envelope.id)

    async def relay_round(self, grace: timedelta) -> int:
        """Publishes what writers left behind for longer than `grace`; returns how many."""
        relayed = 0
        for entry in await self._repository.pending(utc_now() - grace):
            envelope = decode_event(str(entry["envelope"]).encode())
            once_only = envelope.type in ONCE_ONLY_TYPES
            if not (once_only and await self._repository.was_fired(envelope.id)):
                await self._publish(envelope)
                if once_only:
                    await self._repository.mark_fired(envelope.id, utc_now())
                relayed += 1
            await self._repository.release(envelope.id)
        if relayed:
            logger.info("relayed events a writer left in the outbox", extra={"count": relayed})
        return relayed

    async def _publish(self, envelope: EventEnvelope) -> None:
        await self._producer.publish(self._topic, envelope)
        self._on_published(envelope)

    async def _pause(self, point: str) -> None:
        if self.between_writes is not None:
            await self.between_writes(point)
