"""Routing's consumer: every submitted request gets a case and a routed event."""

from __future__ import annotations

from nigrani_shared.events import (
    EventEnvelope,
    RequestSubmitted,
    RequestSubmittedV1,
)
from nigrani_shared.kafka.runtime import Handler

from nigrani_routing.cases.service import RoutingService, Submission


def build_handlers(service: RoutingService) -> dict[str, Handler]:
    async def on_submitted(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, RequestSubmitted | RequestSubmittedV1)
        await service.route_submission(Submission.of(data))

    # v1 events (which still carried contact details) may be retained on the topic from
    # before v2: they are routed the same way.
    return {RequestSubmitted.event_type: on_submitted, RequestSubmittedV1.event_type: on_submitted}
