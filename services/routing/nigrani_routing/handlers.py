"""Routing's consumer: every submitted request gets a case and a routed event."""

from __future__ import annotations

from nigrani_shared.events import EventEnvelope, RequestSubmitted
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.runtime import Handler

from nigrani_routing.cases.service import RoutingService


def build_handlers(
    service: RoutingService, producer: ProducerHandle, topic: str
) -> dict[str, Handler]:
    async def on_submitted(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, RequestSubmitted)
        routed = await service.route_submission(data)
        await producer.publish(topic, routed)

    return {RequestSubmitted.event_type: on_submitted}
