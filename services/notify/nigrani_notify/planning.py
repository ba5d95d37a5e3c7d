"""Who hears what: from one event and what notify knows of its request, the messages due.

Pure: no store, no clock. The citizen is named only as `citizen` (their address and
language are looked up when the message is sent, and an anonymous request, or one whose
contact was erased, yields nothing then); officials are named by staff id, and their
channels are those the recipients file gives them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from nigrani_shared.events import (
    CaseChanged,
    CaseEscalated,
    EventData,
    RequestRouted,
    RequestRoutedV1,
    RequestSubmitted,
    RequestSubmittedV1,
    RequestSubmittedV2,
    SlaBreached,
    SlaWarning,
)

from nigrani_notify.cases import CaseView, after_submitted
from nigrani_notify.contexts import ContextValue
from nigrani_notify.messages import Audience, Channel, Language, MessageKind

CITIZEN = "citizen"
CITIZEN_CHANNELS: tuple[Channel, ...] = ("email", "sms")
CLOSING_STATES = frozenset({"closed", "closed_unconfirmed", "rejected"})
ASSIGNED_STATES = frozenset({"assigned", "in_progress"})
SUPERVISOR = "supervisor"


class StaffContactLike(Protocol):
    @property
    def staff_id(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def language(self) -> Language: ...


class Directory(Protocol):
    """The part of the recipients file planning reads (nigrani_notify.recipients)."""

    def staff(self, staff_id: str) -> StaffContactLike | None: ...
    def holding_role(self, department_code: str, role: str) -> Sequence[StaffContactLike]: ...
    def time_zone(self, department_code: str | None) -> ZoneInfo: ...


@dataclass(frozen=True)
class Links:
    status_url: str  # with {tracking_code}
    case_url: str  # with {tracking_code}
    confirmation_window: timedelta


@dataclass(frozen=True)
class Planned:
    kind: MessageKind
    audience: Audience
    recipient: str  # "citizen" or "staff:<id>"
    channels: tuple[Channel, ...]
    context: dict[str, ContextValue]


def staff_ref(staff_id: str) -> str:
    return f"staff:{staff_id}"


def staff_channels(contact: StaffContactLike) -> tuple[Channel, ...]:
    channels: list[Channel] = []
    if contact.email:
        channels.append("email")
    if contact.phone:
        channels.append("sms")
    return tuple(channels)


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """A due time as an official or a citizen reads it: in the department's zone."""
    local = moment.astimezone(zone)
    return f"{local:%d %b %Y %H:%M} {local.tzname()}"


class Planner:
    def __init__(self, directory: Directory, links: Links) -> None:
        self._directory = directory
        self._links = links

    def plan(self, event: EventData, view: CaseView) -> list[Planned]:
        """`view` is the request as known before this event."""
        if isinstance(event, RequestSubmitted | RequestSubmittedV2 | RequestSubmittedV1):
            # The view before the submission knows nothing yet: the event says.
            return self._citizen("received", after_submitted(view, event))
        if isinstance(event, RequestRouted | RequestRoutedV1):
            return self._citizen("routed", view, department_name=event.department_name)
        if isinstance(event, CaseEscalated):
            return self._escalated(event, view)
        if isinstance(event, CaseChanged):
            return self._case_changed(event, view)
        if isinstance(event, SlaWarning | SlaBreached):
            return self._sla(event, view)
        return []

    # -- citizens ----------------------------------------------------------------------

    def _citizen(self, kind: MessageKind, view: CaseView, **extra: ContextValue) -> list[Planned]:
        if view.citizen_reachable is False:
            return []
        context: dict[str, ContextValue] = {
            "tracking_code": view.request_id,
            "status_url": self._links.status_url.format(tracking_code=view.request_id),
            "category": view.category or "",
            "department_name": view.department_name or "",
        }
        context.update(extra)
        return [Planned(kind, "citizen", CITIZEN, CITIZEN_CHANNELS, context)]

    def _case_changed(self, event: CaseChanged, view: CaseView) -> list[Planned]:
        if event.case_version <= view.case_version:
            return []  # applied before: a redelivery or a replay
        department = {"department_name": event.department_name}
        planned: list[Planned] = []
        if event.to_state == "awaiting_citizen" and event.from_state != "awaiting_citizen":
            planned += self._citizen(
                "awaiting_information", view, public_note=event.public_note or "", **department
            )
        elif event.to_state == "resolved" and event.from_state != "resolved":
            zone = self._directory.time_zone(event.department_code)
            confirm_by = event.occurred_at + self._links.confirmation_window
            planned += self._citizen(
                "resolved",
                view,
                public_note=event.public_note or "",
                confirm_by=f"{confirm_by.astimezone(zone):%d %b %Y}",
                **department,
            )
        elif event.action == "reopen":
            planned += self._citizen("reopened", view, **department)
        elif event.to_state in CLOSING_STATES and event.from_state not in CLOSING_STATES:
            planned += self._citizen("closed", view, **department)
        assignee = event.assignee
        if assignee is not None and assignee != view.assignee and assignee != event.actor.staff_id:
            planned += self._staff("staff_assigned", [assignee], event, view)
        return planned

    def _escalated(self, event: CaseEscalated, view: CaseView) -> list[Planned]:
        if event.case_version <= view.case_version:
            return []
        planned = self._citizen(
            "escalated",
            view,
            level=event.escalation_level,
            department_name=event.department_name,
        )
        holders = self._directory.holding_role(
            event.escalated_to_department, event.escalated_to_role
        )
        planned += self._staff(
            "staff_escalated",
            [holder.staff_id for holder in holders],
            event,
            view,
            level=event.escalation_level,
            role=event.escalated_to_role,
        )
        return planned

    # -- officials ---------------------------------------------------------------------

    def _sla(self, event: SlaWarning | SlaBreached, view: CaseView) -> list[Planned]:
        department = event.department_code or view.department_code
        zone = self._directory.time_zone(department)
        extra: dict[str, ContextValue] = {
            "target": event.target,
            "due_at": local_time(event.due_at, zone),
        }
        # The assignee first; their supervisors too when nobody holds it, and always on
        # a breach.
        staff_ids: list[str] = []
        if view.assignee and view.state in ASSIGNED_STATES:
            staff_ids.append(view.assignee)
        breached = isinstance(event, SlaBreached)
        if department and (breached or not staff_ids):
            staff_ids += [
                holder.staff_id for holder in self._directory.holding_role(department, SUPERVISOR)
            ]
        kind: MessageKind = "staff_sla_breached" if breached else "staff_sla_warning"
        planned = self._staff(kind, staff_ids, event, view, **extra)
        if breached and event.target == "resolution":
            planned += self._citizen("overdue", view, due_at=extra["due_at"])
        return planned

    def waiting(self, view: CaseView, staff_id: str, waited: timedelta) -> list[Planned]:
        """The reminder that a case has waited on its assignee too long."""
        hours = int(waited.total_seconds() // 3600)
        return self._staff("staff_waiting", [staff_id], None, view, waiting_hours=hours)

    def _staff(
        self,
        kind: MessageKind,
        staff_ids: Sequence[str],
        event: EventData | None,
        view: CaseView,
        **extra: ContextValue,
    ) -> list[Planned]:
        department = getattr(event, "department_code", None) or view.department_code
        context: dict[str, ContextValue] = {
            "tracking_code": view.request_id,
            "category": getattr(event, "category", None) or view.category or "",
            "priority": getattr(event, "priority", None) or view.priority or "normal",
            "department_code": department or "",
            "case_url": self._links.case_url.format(tracking_code=view.request_id),
        }
        if kind == "staff_assigned":
            due = view.resolution_due_at
            zone = self._directory.time_zone(department)
            context["due_at"] = None if due is None else local_time(due, zone)
        context.update(extra)
        planned: list[Planned] = []
        for staff_id in dict.fromkeys(staff_ids):  # once each, in order
            contact = self._directory.staff(staff_id)
            if contact is None:
                continue
            channels = staff_channels(contact)
            if channels:
                planned.append(Planned(kind, "staff", staff_ref(staff_id), channels, context))
        return planned
