"""Intake's consumer: lifecycle events become entries of the public timeline."""

from __future__ import annotations

from nigrani_shared.events import EventEnvelope, RequestRouted, RequestRoutedV1
from nigrani_shared.kafka.runtime import Handler

from nigrani_intake.submissions.repository import RequestsRepository


class UnknownRequestError(LookupError):
    """An event names a tracking code intake never stored: retried, then dead-lettered."""


def build_handlers(requests: RequestsRepository) -> dict[str, Handler]:
    async def on_routed(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, RequestRouted | RequestRoutedV1)
        entry = {
            "status": "routed",
            "at": data.routed_at,
            "department_code": data.department_code,
            "department_name": data.department_name,
        }
        if not await requests.add_timeline_entry(data.request_id, envelope.id, entry):
            raise UnknownRequestError(f"no request {data.request_id}")

    return {RequestRouted.event_type: on_routed, RequestRoutedV1.event_type: on_routed}
