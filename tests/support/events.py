"""Events built the way the services build them, for tests that put them on a topic."""

from __future__ import annotations

from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    EventEnvelope,
    RequestRouted,
    RequestSubmitted,
    derived_event_id,
    new_event,
)


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
