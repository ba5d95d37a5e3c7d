"""Intake's consumer: lifecycle events become entries of the public timeline.

Each event is one insert of the entry of its case version (`request.routed` is version 1),
in its own document (submissions/timeline_repository.py), so a redelivery meets its own
entry (one effect) and an older event arriving late takes its own place in the history:
the current state is read from the highest case version (timeline.py), never from the last
event applied. Only what the public or the citizen may see is stored: the state reached,
when, the department and the public note; never the staff member, the assignee, the
reason or the internal note.
"""

from __future__ import annotations

from nigrani_shared.events import CaseChanged, EventEnvelope, RequestRouted, RequestRoutedV1
from nigrani_shared.kafka.runtime import Handler

from nigrani_intake.submissions.repository import RequestsRepository
from nigrani_intake.submissions.timeline_repository import FIRST_VERSION, TimelineRepository


class UnknownRequestError(LookupError):
    """An event names a tracking code intake never stored: retried, then dead-lettered."""


def build_handlers(
    requests: RequestsRepository, timeline_entries: TimelineRepository
) -> dict[str, Handler]:
    async def add(request_id: str, event_id: str, entry: dict[str, object]) -> None:
        if not await requests.exists(request_id):
            raise UnknownRequestError(f"no request {request_id}")
        await timeline_entries.add(request_id, event_id, entry)

    async def on_routed(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, RequestRouted | RequestRoutedV1)
        entry = {
            "status": "routed",
            "at": data.routed_at,
            "case_version": FIRST_VERSION,
            "department_code": data.department_code,
            "department_name": data.department_name,
        }
        await add(data.request_id, envelope.id, entry)

    async def on_case_changed(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, CaseChanged)
        await add(data.request_id, envelope.id, case_change_entry(data))

    return {
        RequestRouted.event_type: on_routed,
        RequestRoutedV1.event_type: on_routed,
        CaseChanged.event_type: on_case_changed,
    }


def case_change_entry(data: CaseChanged) -> dict[str, object]:
    """The stored timeline entry of a case change: an allow-list of its fields."""
    return {
        "status": data.to_state,
        "at": data.occurred_at,
        "case_version": data.case_version,
        "department_code": data.department_code,
        "department_name": data.department_name,
        "note": data.public_note,
    }
