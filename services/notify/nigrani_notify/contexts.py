"""The variables each kind of message is rendered with, and a sample of each.

A delivery stores its context (strings and numbers only, never an address or a citizen's
words) so that a retry renders exactly what the first attempt would have. Times are
already written out in the department's time zone. The samples let start-up render every
template in both languages before the first event arrives: a template that names a
variable its kind does not have stops start-up instead of failing at send time.
"""

from __future__ import annotations

from collections.abc import Mapping

from nigrani_notify.messages import MessageKind

ContextValue = str | int | None
Context = Mapping[str, ContextValue]

_REQUEST: dict[str, ContextValue] = {
    "tracking_code": "NGR-7KQ2-M4XD",
    "status_url": "https://nigrani.example.gov.pk/requests/NGR-7KQ2-M4XD",
    "category": "water_supply",
    "department_name": "Water and Sanitation Agency",
}
_STAFF: dict[str, ContextValue] = {
    "tracking_code": "NGR-7KQ2-M4XD",
    "category": "water_supply",
    "priority": "high",
    "department_code": "WASA-LHR",
    "case_url": "https://staff.nigrani.example.gov.pk/cases/NGR-7KQ2-M4XD",
}

# Variables the planner may leave None (the value is not known yet: an assignment that
# comes before the SLA service set a due time). Start-up renders each template with them
# None too, and printing a None is an error, so a template must say what to do instead.
OPTIONAL: dict[MessageKind, frozenset[str]] = {"staff_assigned": frozenset({"due_at"})}

SAMPLES: dict[MessageKind, dict[str, ContextValue]] = {
    "received": {**_REQUEST},
    "routed": {**_REQUEST},
    # public_note: the department's question, as shown on the public timeline.
    "awaiting_information": {**_REQUEST, "public_note": "Please send the meter number."},
    # public_note: the resolution summary; confirm_by: the end of the confirmation window.
    "resolved": {
        **_REQUEST,
        "public_note": "The pipe was repaired on Tuesday.",
        "confirm_by": "12 Dec 2026",
    },
    "reopened": {**_REQUEST},
    "closed": {**_REQUEST},
    # due_at: when the target was due.
    "overdue": {**_REQUEST, "due_at": "28 Nov 2026 14:00 PKT"},
    # level 1..3; department_name is the department the request moved to.
    "escalated": {**_REQUEST, "level": 2},
    "staff_assigned": {**_STAFF, "due_at": "28 Nov 2026 14:00 PKT"},
    # waiting_hours: how long the case has waited since it was assigned.
    "staff_waiting": {**_STAFF, "waiting_hours": 48},
    # target: "first_response" or "resolution".
    "staff_sla_warning": {**_STAFF, "target": "resolution", "due_at": "28 Nov 2026 14:00 PKT"},
    "staff_sla_breached": {**_STAFF, "target": "resolution", "due_at": "28 Nov 2026 14:00 PKT"},
    # level 1..3 and the role it reached (supervisor, dept_admin, oversight).
    "staff_escalated": {**_STAFF, "level": 2, "role": "dept_admin"},
}
