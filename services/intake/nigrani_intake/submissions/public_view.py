"""The public view of a request: what anyone holding the tracking code may see.

Built field by field from an allow-list, never by copying the document and removing
things, so a field added to the document later cannot leak. Never shown: description,
name, phone, e-mail, coordinates; for sensitive categories not even the address or the
department the complaint concerns.

Delay is public: the due times the SLA service set, a pause while the citizen is asked
for information, whether the request is overdue and by how much (delay/deadline.py, as of
the moment the view is built), and every escalation in the timeline with its level and the
role of the office now responsible.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nigrani_shared.clock import utc_now
from nigrani_shared.store.client import Document

from nigrani_intake.catalog.service import Catalog
from nigrani_intake.delay.deadline import DeadlineState, assess
from nigrani_intake.submissions import timeline
from nigrani_intake.submissions.schemas import (
    CategoryRef,
    DepartmentPublic,
    EscalationPublic,
    RequestPublic,
    TimelineEntryPublic,
)

#: The only statuses and texts the public ever sees. A status recorded by a newer event
#: type that this list does not know yet is shown as a neutral update, never verbatim.
_STATUS_TEXT = {
    "submitted": "Submitted",
    "routed": "Routed to {department_name}",
    "assigned": "Assigned to an officer of {department_name}",
    "in_progress": "Work in progress at {department_name}",
    "awaiting_citizen": "Waiting for more information from the citizen",
    "resolved": "Resolved by {department_name}; awaiting the citizen's confirmation",
    "closed": "Closed: the citizen confirmed the resolution",
    "closed_unconfirmed": "Closed: the resolution was not confirmed in time",
    "rejected": "Rejected by {department_name}",
}
_UNLISTED_STATUS = "updated"
_UNLISTED_TEXT = "Updated"
#: Escalation roles as the public sees them, with the text of the timeline entry.
_ESCALATION_ROLES = {
    "supervisor": ("supervisor", "a supervisor at {department_name}"),
    "dept_admin": ("head_of_department", "the head of {department_name}"),
    "oversight": ("oversight", "the oversight body"),
}
_UNLISTED_ROLE = ("higher_office", "a higher office")


def to_public_view(
    request: Document,
    catalog: Catalog,
    *,
    entries: list[timeline.Entry],
    deadline: DeadlineState | None = None,
    now: datetime | None = None,
) -> RequestPublic:
    """`entries` is the request's timeline as timeline.ordered returns it (the timeline
    repository reads it); `deadline` its due times (the deadlines repository), judged as of
    `now` (the current time unless given)."""
    case = timeline.current(entries)
    delay = assess(deadline, case_state=case.state, now=now or utc_now())
    category = catalog.get(request["category"])
    location: dict[str, Any] = request.get("location") or {}
    sensitive = bool(request.get("sensitive"))
    return RequestPublic(
        tracking_code=request["_id"],
        status=_public_status(entries[-1]),
        status_text=_standard_text(entries[-1]),
        category=CategoryRef(
            code=request["category"],
            name_en=category.name_en if category else request["category"],
            name_ur=category.name_ur if category else request["category"],
        ),
        department=(
            DepartmentPublic(code=case.department_code, name=case.department_name)
            if case.department_code and case.department_name
            else None
        ),
        district=location.get("district"),
        address=None if sensitive else location.get("address"),
        # Whom a sensitive complaint accuses is the complainant's business and oversight's.
        concerns_department=None if sensitive else request.get("concerns_department"),
        submitted_at=request["submitted_at"],
        due_at=delay.due_at,
        first_response_due_at=delay.first_response_due_at,
        paused=delay.paused,
        overdue=delay.overdue,
        overdue_by_seconds=delay.overdue_by_seconds,
        timeline=public_timeline(entries),
    )


def public_timeline(entries: list[timeline.Entry]) -> list[TimelineEntryPublic]:
    """Each transition with its public note, or the standard text of the state it reached.

    Built from an allow-list of the entry's fields: the consumer never stores a staff
    member, an internal note or a reason, and this reads only status, time, department
    and public note, and for an escalation its level and role. A change that moved nothing
    the public sees (a new priority, an assignment within the same state) and carries no
    note is left out; an escalation is always shown."""
    shown: list[TimelineEntryPublic] = []
    previous: timeline.Entry | None = None
    for entry in entries:
        note = entry.get("note")
        escalation = _escalation(entry)
        if previous is None or note or escalation or _visible_change(previous, entry):
            standard = _escalation_text(entry) if escalation else _standard_text(entry)
            shown.append(
                TimelineEntryPublic(
                    status=_public_status(entry),
                    at=entry["at"],
                    detail=note if isinstance(note, str) and note else standard,
                    escalation=escalation,
                )
            )
        previous = entry
    return shown


def _escalation(entry: timeline.Entry) -> EscalationPublic | None:
    level = entry.get("escalation_level")
    if not isinstance(level, int):
        return None
    role, _ = _ESCALATION_ROLES.get(entry.get("escalated_to_role") or "", _UNLISTED_ROLE)
    return EscalationPublic(level=level, role=role)


def _escalation_text(entry: timeline.Entry) -> str:
    _, office = _ESCALATION_ROLES.get(entry.get("escalated_to_role") or "", _UNLISTED_ROLE)
    department = entry.get("department_name") or "the department"
    level = entry["escalation_level"]
    return f"Overdue: escalated to {office.format(department_name=department)} (level {level})"


def _visible_change(previous: timeline.Entry, entry: timeline.Entry) -> bool:
    return _public_status(previous) != _public_status(entry) or previous.get(
        "department_code"
    ) != entry.get("department_code")


def _public_status(entry: dict[str, Any]) -> str:
    return public_status(entry.get("status"))


def public_status(state: object) -> str:
    """The state as the public may see it: one from the allow-list, or "updated"."""
    return state if isinstance(state, str) and state in _STATUS_TEXT else _UNLISTED_STATUS


def _standard_text(entry: dict[str, Any]) -> str:
    template = _STATUS_TEXT.get(_public_status(entry), _UNLISTED_TEXT)
    return template.format(department_name=entry.get("department_name") or "the department")
