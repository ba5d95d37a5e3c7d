"""Routing's consumer: a submitted request opens a case; a citizen's action through intake
and the SLA service's escalation are applied to it by the same workflow that staff go
through (each under the consumed event's id as its attempt, so a redelivery finds its own
change); the SLA's due times are kept for the staff queue (queue/due_store.py)."""

from __future__ import annotations

import logging

from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    CitizenActed,
    DeadlineSet,
    EventEnvelope,
    RequestSubmitted,
    RequestSubmittedV1,
    RequestSubmittedV2,
    SlaBreached,
    SlaEscalated,
)
from nigrani_shared.kafka.runtime import Handler
from prometheus_client import Counter

from nigrani_routing.cases.commands import Action, Command
from nigrani_routing.cases.model import CitizenActor
from nigrani_routing.cases.service import CaseService, Submission
from nigrani_routing.cases.workflow import Refused
from nigrani_routing.queue.due_store import DueTimesStore

logger = logging.getLogger(__name__)

CITIZEN_REFUSED = Counter(
    "nigrani_citizen_actions_refused_total",
    "Citizen actions the case could not take when they arrived (state or window).",
    ["action"],
)
ESCALATIONS_REFUSED = Counter(
    "nigrani_escalations_refused_total",
    "SLA escalations the case did not take (not open, or already at that level or higher).",
    ["reason"],
)
_PUBLIC_NOTES = {
    Action.ADD_INFORMATION: "The citizen added the information asked for.",
    Action.CONFIRM: "The citizen confirmed the resolution.",
    Action.DISPUTE: "The citizen disputed the resolution: the case is reopened.",
    Action.REOPEN: "The citizen reopened the request.",
}


class UnknownCaseError(LookupError):
    """A citizen acted on a request routing has no case for: retried, then dead-lettered."""


def build_handlers(cases: CaseService, due_times: DueTimesStore) -> dict[str, Handler]:
    async def on_submitted(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, RequestSubmitted | RequestSubmittedV2 | RequestSubmittedV1)
        await cases.open_case(Submission.of(data), attempt=envelope.id)

    async def on_citizen_acted(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, CitizenActed)
        action = Action(data.action)
        command = Command(
            action=action, public_note=_PUBLIC_NOTES[action], message_id=data.message_id
        )
        try:
            # The citizen's time decides the window, not when the event was processed.
            outcome = await cases.act(
                data.request_id, command, CitizenActor(), envelope.id, data.acted_at
            )
        except Refused as refused:
            CITIZEN_REFUSED.labels(action.value).inc()
            logger.info(
                "citizen action refused by the case",
                extra={"request_id": data.request_id, "reason": refused.kind.value},
            )
            return
        if outcome is None:
            raise UnknownCaseError(f"no case {data.request_id}")

    async def on_sla_escalated(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, SlaEscalated)
        try:
            outcome = await cases.escalate(data.request_id, data.level, envelope.id, utc_now())
        except Refused as refused:
            # Resolved meanwhile, the same level delivered twice, or levels out of order.
            ESCALATIONS_REFUSED.labels(refused.kind.value).inc()
            logger.info(
                "escalation refused by the case",
                extra={"request_id": data.request_id, "reason": refused.kind.value},
            )
            return
        if outcome is None:
            raise UnknownCaseError(f"no case {data.request_id}")

    async def on_deadline_set(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, DeadlineSet)
        await due_times.record_deadline(data)

    async def on_sla_breached(envelope: EventEnvelope) -> None:
        data = envelope.data
        assert isinstance(data, SlaBreached)
        await due_times.record_breach(data)

    # Older versions (v1 still carried contact details) may be retained on the topic: they
    # are routed the same way.
    versions = (RequestSubmitted, RequestSubmittedV2, RequestSubmittedV1)
    handlers: dict[str, Handler] = {version.event_type: on_submitted for version in versions}
    handlers[CitizenActed.event_type] = on_citizen_acted
    handlers[SlaEscalated.event_type] = on_sla_escalated
    handlers[DeadlineSet.event_type] = on_deadline_set
    handlers[SlaBreached.event_type] = on_sla_breached
    return handlers
