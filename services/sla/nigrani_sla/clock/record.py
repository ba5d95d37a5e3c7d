"""A request's SLA clock as the SLA service stores it: one document per request, `_id` =
request id, written only by the consumer that owns the request's partition (events of one
request arrive in order on one partition, so there is one writer at a time).

The clock measures business time. `banked_seconds` is what had elapsed when the clock last
stopped running (a pause, a stop); while it runs, the time since `running_since` adds to
it. A due time, once passed, is fixed: a later pause or stop never moves it, so overdue
work stays overdue. Everything the ops board shows is derived from these fields: the
board and the backlog gauges read only these documents and the events that change them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from nigrani_shared.store.client import Document

SUBMITTED = "submitted"  # the state before routing has decided a department


@dataclass(frozen=True, kw_only=True)
class ClockRecord:
    request_id: str
    category: str
    priority: str
    department_code: str | None
    calendar: str
    policy_id: str
    first_response_target_seconds: float
    resolution_target_seconds: float
    submitted_at: datetime
    routed_at: datetime | None = None
    first_response_at: datetime | None = None
    stopped_at: datetime | None = None
    first_stopped_at: datetime | None = None  # the first resolution or rejection
    state: str = SUBMITTED
    case_version: int = 0
    banked_seconds: float = 0.0
    running_since: datetime | None = None
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    escalation_level: int = 0
    last_staff_action_at: datetime | None = None
    generation: int = 1
    # Why and when this generation was set: its sla.deadline_set is rebuilt from them,
    # identical, when a redelivery announces it again.
    set_cause: str = "submitted"
    set_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.stopped_at is None

    @property
    def paused(self) -> bool:
        return self.open and self.running_since is None

    def overdue_at(self, moment: datetime) -> bool:
        due = self.resolution_due_at
        return self.open and due is not None and due <= moment

    def to_document(self) -> Document:
        return {"_id": self.request_id, **asdict(self)}

    def evolve(self, **changes: Any) -> ClockRecord:
        return replace(self, **changes)


def record_from_document(document: Document) -> ClockRecord:
    fields = {key: value for key, value in document.items() if key != "_id"}
    return ClockRecord(**fields)
