"""The SLA consumer's handlers: submissions start clocks, routing and case changes move
them (including routing's escalations, which are case changes). The SLA service's own
events come back on the lifecycle topic and are skipped as types without a handler."""

from __future__ import annotations

from nigrani_shared.events import (
    CaseChanged,
    CaseEscalated,
    EventEnvelope,
    RequestRouted,
    RequestRoutedV1,
    RequestSubmitted,
    RequestSubmittedV1,
    RequestSubmittedV2,
)
from nigrani_shared.kafka.runtime import Handler

from nigrani_sla.keeper import ClockKeeper


def build_handlers(keeper: ClockKeeper) -> dict[str, Handler]:
    async def on_submitted(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, RequestSubmitted | RequestSubmittedV2 | RequestSubmittedV1)
        await keeper.submitted(data)

    async def on_routed(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, RequestRouted | RequestRoutedV1)
        await keeper.routed(data)

    async def on_case_changed(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, CaseChanged)
        await keeper.case_changed(data)

    handlers: dict[str, Handler] = {
        version.event_type: on_submitted
        for version in (RequestSubmitted, RequestSubmittedV2, RequestSubmittedV1)
    }
    handlers[RequestRouted.event_type] = on_routed
    handlers[RequestRoutedV1.event_type] = on_routed
    handlers[CaseChanged.event_type] = on_case_changed
    handlers[CaseEscalated.event_type] = on_case_changed
    return handlers
