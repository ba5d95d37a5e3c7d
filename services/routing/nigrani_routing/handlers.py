"""Routing's consumer: every submitted request gets a case and a routed event."""

from __future__ import annotations

from nigrani_shared.events import (
    EventEnvelope,
    RequestSubmitted,
    RequestSubmittedV1,
    RequestSubmittedV2,
)
from nigrani_shared.kafka.runtime import Handler

from nigrani_routing.cases.service import RoutingService, Submission


def build_handlers(service: RoutingService) -> dict[str, Handler]:
    async def on_submitted(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, RequestSubmitted | RequestSubmittedV2 | RequestSubmittedV1)
        await service.route_submission(Submission.of(data))

    # Older versions (v1 still carried contact details) may be retained on the topic: they
    # are routed the same way.
    versions = (RequestSubmitted, RequestSubmittedV2, RequestSubmittedV1)
    return {version.event_type: on_submitted for version in versions}
