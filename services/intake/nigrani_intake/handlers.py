"""Intake's consumer: lifecycle events become entries of the public timeline.

Each event is one insert of the entry of its case version (`request.routed` is version 1),
in its own document (submissions/timeline_repository.py), so a redelivery meets its own
entry (one effect) and an older event arriving late takes its own place in the history:
the current state is read from the highest case version (timeline.py), never from the last
event applied. Only what the public or the citizen may see is stored: the state reached,
when, the department and the public note; never the staff member, the assignee, the
reason or the internal note. An escalation (`request.escalated`) is a case change like the
others, stored with its level and the role of the office now responsible.

The SLA service's due times (`sla.deadline_set`) are stored generation by generation in
their own insert-only documents (delay/repository.py); whether a request is overdue is
read from them when the view is built, so `sla.breached` needs no effect of its own.

How notify's deliveries ended (`notification.sent`, `notification.failed`) is stored
apart from the timeline (notifications/repository.py), which the public view never reads:
they show on the internal view and, for the citizen's own messages, the private one.
"""

from __future__ import annotations

from nigrani_shared.events import (
    CaseChanged,
    CaseEscalated,
    DeadlineSet,
    EventEnvelope,
    NotificationFailed,
    NotificationSent,
    RequestRouted,
    RequestRoutedV1,
    SlaBreached,
)
from nigrani_shared.kafka.runtime import Handler

from nigrani_intake.delay.repository import DeadlinesRepository, generation_document
from nigrani_intake.notifications.repository import NotificationsRepository
from nigrani_intake.submissions.repository import RequestsRepository
from nigrani_intake.submissions.timeline_repository import FIRST_VERSION, TimelineRepository


class UnknownRequestError(LookupError):
    """An event names a tracking code intake never stored: retried, then dead-lettered."""


def build_handlers(
    requests: RequestsRepository,
    timeline_entries: TimelineRepository,
    deadlines: DeadlinesRepository,
    notifications: NotificationsRepository,
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

    async def on_deadline_set(envelope: EventEnvelope) -> None:
        # No check that the request exists (a round trip per event): a generation is only
        # ever read together with its request, so one without a request is never shown.
        data = envelope.data
        assert isinstance(data, DeadlineSet)
        await deadlines.add(data.request_id, envelope.id, deadline_generation(data))

    async def on_breached(envelope: EventEnvelope) -> None:
        """Nothing to store: the view compares the stored due time with the clock when it
        is read, so a request is shown overdue from the moment its due time passes (the
        breach fires then too) and stays so until a newer generation or the end of the
        case says otherwise. Handled rather than skipped, so that the consumer's metrics
        count it as understood."""
        assert isinstance(envelope.data, SlaBreached)

    async def on_notification(envelope: EventEnvelope) -> None:
        # No check that the request exists, as for due times: an outcome is only ever
        # read together with its request.
        data = envelope.data
        assert isinstance(data, NotificationSent | NotificationFailed)
        await notifications.add(
            data.request_id,
            envelope.id,
            outcome="sent" if isinstance(data, NotificationSent) else "failed",
            channel=data.channel,
            kind=data.kind,
            audience=data.audience,
            reason=data.reason,
            attempts=data.attempts,
            at=data.occurred_at,
        )

    return {
        RequestRouted.event_type: on_routed,
        RequestRoutedV1.event_type: on_routed,
        CaseChanged.event_type: on_case_changed,
        CaseEscalated.event_type: on_case_changed,
        DeadlineSet.event_type: on_deadline_set,
        SlaBreached.event_type: on_breached,
        NotificationSent.event_type: on_notification,
        NotificationFailed.event_type: on_notification,
    }


def case_change_entry(data: CaseChanged) -> dict[str, object]:
    """The stored timeline entry of a case change: an allow-list of its fields (for an
    escalation, also its level and the role of the office now responsible)."""
    entry: dict[str, object] = {
        "status": data.to_state,
        "at": data.occurred_at,
        "case_version": data.case_version,
        "department_code": data.department_code,
        "department_name": data.department_name,
        "note": data.public_note,
    }
    if isinstance(data, CaseEscalated):
        entry["escalation_level"] = data.escalation_level
        entry["escalated_to_role"] = data.escalated_to_role
    return entry


def deadline_generation(data: DeadlineSet) -> dict[str, object]:
    """The stored generation of a DeadlineSet: what the view reads, nothing else."""
    return generation_document(
        generation=data.generation,
        cause=data.cause,
        first_response_due_at=data.first_response_due_at,
        resolution_due_at=data.resolution_due_at,
        paused=data.paused,
        stopped=data.stopped,
        set_at=data.set_at,
    )
