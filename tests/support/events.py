"""Events built the way the services build them, for tests that put them on a topic."""

from __future__ import annotations

from datetime import datetime

from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    Actor,
    CaseChanged,
    CaseEscalated,
    DeadlineSet,
    EventEnvelope,
    NotificationFailed,
    NotificationSent,
    RequestRouted,
    RequestSubmitted,
    SlaBreached,
    derived_event_id,
    new_event,
)
from nigrani_shared.events.models import SlaTarget


def submitted(code: str, *, category: str = "roads.pothole") -> EventEnvelope:
    """A request.submitted with the id intake would give it (derived from the code)."""
    data = RequestSubmitted(
        request_id=code,
        category=category,
        place=None,
        channel="web",
        sensitive=False,
        anonymous=False,
        has_contact=False,
        submitted_at=utc_now(),
    )
    return new_event(
        data, subject=code, source="/test", event_id=derived_event_id(code, "submitted")
    )


def routed(code: str) -> EventEnvelope:
    data = RequestRouted(
        request_id=code,
        category="roads.pothole",
        district=None,
        department_code="CW-ROADS",
        department_name="Communication and Works Department",
        rule_id="roads",
        rule_set_version="test",
        areas=(),
        conflict_of_interest=False,
        priority="normal",
        routed_at=utc_now(),
    )
    return new_event(data, subject=code, source="/test")


#: Staff-side fields a test puts in a case change, to look for in what the public sees.
STAFF_CANARIES = ("INTERNAL-canary-note", "REASON-canary", "staff-canary-7", "assignee-canary-9")


def case_changed(
    code: str,
    *,
    version: int,
    to_state: str,
    from_state: str = "routed",
    public_note: str | None = None,
    occurred_at: datetime | None = None,
    department_code: str = "WASA-LHR",
    department_name: str = "Water and Sanitation Agency Lahore",
) -> EventEnvelope:
    """A request.status_changed as routing announces it (its id derived from the case
    version), carrying an internal note, a reason, a staff actor and an assignee that
    must never reach the public."""
    data = CaseChanged(
        request_id=code,
        case_version=version,
        action=f"to_{to_state}",
        from_state=from_state,
        to_state=to_state,
        department_code=department_code,
        department_name=department_name,
        assignee=STAFF_CANARIES[3],
        priority="normal",
        transfers=0,
        reopened=0,
        actor=Actor(kind="staff", staff_id=STAFF_CANARIES[2], role="officer"),
        reason=STAFF_CANARIES[1],
        public_note=public_note,
        internal_note=STAFF_CANARIES[0],
        message_id=None,
        occurred_at=occurred_at or utc_now(),
    )
    return new_event(
        data,
        subject=code,
        source="/test",
        event_id=derived_event_id(code, "case-changed", str(version)),
    )


def case_escalated(
    code: str,
    *,
    version: int,
    level: int = 1,
    role: str = "supervisor",
    state: str = "routed",
    public_note: str | None = None,
    occurred_at: datetime | None = None,
) -> EventEnvelope:
    """A request.escalated as routing announces it: a case change (its id derived from the
    case version) carrying the same staff-side canaries as `case_changed`."""
    changed = case_changed(
        code,
        version=version,
        to_state=state,
        from_state=state,
        public_note=public_note,
        occurred_at=occurred_at,
    ).data
    assert isinstance(changed, CaseChanged)
    data = CaseEscalated(
        **{**changed.model_dump(), "action": "escalate"},
        escalation_level=level,
        escalated_to_role=role,
        escalated_to_department="WASA-LHR",
    )
    return new_event(
        data,
        subject=code,
        source="/test",
        event_id=derived_event_id(code, "case-changed", str(version)),
    )


def deadline_set(
    code: str,
    *,
    generation: int,
    resolution_due_at: datetime | None,
    first_response_due_at: datetime | None = None,
    paused: bool = False,
    stopped: bool = False,
    cause: str = "routed",
    set_at: datetime | None = None,
) -> EventEnvelope:
    """An sla.deadline_set as the SLA service announces it (its id derived from the
    request and the generation)."""
    data = DeadlineSet(
        request_id=code,
        generation=generation,
        cause=cause,
        policy_id="test-policy",
        category="water.no_supply",
        priority="normal",
        department_code="WASA-LHR",
        calendar="Asia/Karachi",
        first_response_due_at=first_response_due_at,
        resolution_due_at=resolution_due_at,
        elapsed_business_seconds=0.0,
        paused=paused,
        stopped=stopped,
        set_at=set_at or utc_now(),
    )
    return new_event(
        data,
        subject=code,
        source="/test",
        event_id=derived_event_id(code, "deadline-set", str(generation)),
    )


def sla_breached(code: str, *, due_at: datetime, target: SlaTarget = "resolution") -> EventEnvelope:
    data = SlaBreached(
        request_id=code,
        target=target,
        due_at=due_at,
        department_code="WASA-LHR",
        category="water.no_supply",
        priority="normal",
        fired_at=utc_now(),
    )
    return new_event(
        data,
        subject=code,
        source="/test",
        event_id=derived_event_id(code, "breached", target),
    )


def notification_outcome(
    code: str,
    *,
    sent: bool,
    kind: str = "received",
    channel: str = "sms",
    audience: str = "citizen",
    recipient: str = "citizen",
    attempts: int = 1,
    reason: str = "ok",
) -> EventEnvelope:
    """A notification.sent / notification.failed as notify announces it (its id derived
    from the delivery, so an announcement repeated is the same event)."""
    model = NotificationSent if sent else NotificationFailed
    delivery_id = derived_event_id(code, kind, channel, recipient)
    data = model(
        request_id=code,
        delivery_id=delivery_id,
        kind=kind,
        channel=channel,
        audience=audience,
        recipient=recipient,
        attempts=attempts,
        reason=reason,
        occurred_at=utc_now(),
    )
    return new_event(
        data,
        subject=code,
        source="/test",
        event_id=derived_event_id(delivery_id, "sent" if sent else "failed"),
    )
