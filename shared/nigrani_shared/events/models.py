"""Event payloads. A published version is never edited: add `...v2` beside it instead.

Lifecycle events carry no personal data: topics are retained and copied to dead-letter
topics, so nothing that enters them can be erased. Contact details and the free-text
description stay in intake's store; a service that must reach the citizen asks intake for
them (GET /internal/v1/requests/{id}/contact), and an erasure reaches every copy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from nigrani_shared.events.base import EventData
from nigrani_shared.events.registry import register_event


class Location(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: float
    lon: float
    address: str | None = None
    district: str | None = None


class Contact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    language: Literal["en", "ur"] = "en"


@register_event
class RequestSubmittedV1(EventData):
    """A citizen's request was accepted by intake and given a tracking code.

    Superseded by v2: it carried contact details and the description on the bus. Still
    decoded, so that events already retained on the topic are read and routed."""

    event_type = "org.nigrani.request.submitted.v1"

    request_id: str
    category: str
    description: str
    location: Location | None
    contact: Contact | None
    channel: str
    sensitive: bool
    submitted_at: datetime


@register_event
class RequestRoutedV1(EventData):
    """Routing decided which department owns the request, and by which rule.

    Superseded by v2, which also says which rule-set version and areas decided it."""

    event_type = "org.nigrani.request.routed.v1"

    request_id: str
    department_code: str
    department_name: str
    rule_id: str
    routed_at: datetime


class PlaceRef(BaseModel):
    """Where a request is, for routing: the district, and coordinates except for sensitive
    and anonymous categories; never the address."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: float | None = None
    lon: float | None = None
    district: str | None = None


@register_event
class RequestSubmittedV2(EventData):
    """A citizen's request was accepted by intake and given a tracking code.

    Superseded by v3, which adds the department a complaint is about.

    Only what routing and timing need: no description, address or contact details."""

    event_type = "org.nigrani.request.submitted.v2"

    request_id: str
    category: str
    place: PlaceRef | None
    channel: str
    sensitive: bool
    anonymous: bool
    has_contact: bool
    submitted_at: datetime


@register_event
class RequestSubmitted(EventData):
    """A citizen's request was accepted by intake and given a tracking code.

    Only what routing and timing need: no description, address or contact details.
    `concerns_department` is the department a complaint is about (chosen from the public
    department list), so that routing never sends a complaint to the office it accuses."""

    event_type = "org.nigrani.request.submitted.v3"

    request_id: str
    category: str
    place: PlaceRef | None
    channel: str
    sensitive: bool
    anonymous: bool
    has_contact: bool
    concerns_department: str | None = None
    submitted_at: datetime


@register_event
class ContactErased(EventData):
    """The citizen erased their contact details: every copy of them must go."""

    event_type = "org.nigrani.request.contact_erased.v1"

    request_id: str
    erased_at: datetime


@register_event
class RequestRouted(EventData):
    """Routing decided which department owns the request: the case exists at version 1.

    `rule_id` and `rule_set_version` (a hash of the rules and areas files in force) let
    anyone explain the decision afterwards; `areas` are the jurisdictions the request's
    location fell in (empty without coordinates); `conflict_of_interest` says a complaint in a
    sensitive category named a department, so it went to that department's oversight body
    instead of wherever the rules would have sent it."""

    event_type = "org.nigrani.request.routed.v2"

    request_id: str
    category: str
    district: str | None
    department_code: str
    department_name: str
    rule_id: str
    rule_set_version: str
    areas: tuple[str, ...]
    conflict_of_interest: bool
    priority: str
    routed_at: datetime


class Actor(BaseModel):
    """Who made a case change: a staff member (id, role used, department), the citizen
    (through intake, with the citizen token), or the system (a lapsed window)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["staff", "citizen", "system"]
    staff_id: str | None = None
    role: str | None = None
    department: str | None = None


@register_event
class CaseChanged(EventData):
    """One change of a case, at `case_version`: a state transition, an assignment, a
    transfer, a priority change or a note. The record oversight reads: who, why, when.

    `public_note` is what the citizen's timeline shows; `internal_note` and `reason` are
    for staff and oversight and never leave the staff side. `message_id` points at what
    the citizen wrote (kept by intake, read by staff through its internal API)."""

    event_type = "org.nigrani.request.status_changed.v1"

    request_id: str
    case_version: int
    action: str
    from_state: str
    to_state: str
    department_code: str
    department_name: str
    assignee: str | None
    priority: str
    transfers: int
    reopened: int
    actor: Actor
    reason: str | None
    public_note: str | None
    internal_note: str | None
    message_id: str | None
    occurred_at: datetime


@register_event
class CitizenActed(EventData):
    """The citizen, proving the request is theirs with the citizen token, acted on it
    through intake. Whatever they wrote stays in intake's store (it may hold personal
    data): the event carries only a reference to it (`message_id`)."""

    event_type = "org.nigrani.request.citizen_acted.v1"

    request_id: str
    action: Literal["add_information", "confirm", "dispute", "reopen"]
    message_id: str | None
    acted_at: datetime


@register_event
class CaseEscalated(CaseChanged):
    """Routing moved a case up the escalation ladder after the SLA service said its
    resolution target was missed by the level's allowance: the case is now in the queue of
    `escalated_to_role` in `escalated_to_department` (level 3 is the oversight body). A
    case change like any other (it has a `case_version`), so readers of CaseChanged read
    it as one; its own type says to subscribers that delay has become an escalation."""

    event_type = "org.nigrani.request.escalated.v1"

    escalation_level: int
    escalated_to_role: str
    escalated_to_department: str


SlaTarget = Literal["first_response", "resolution"]


@register_event
class DeadlineSet(EventData):
    """The SLA service computed (or moved) a request's due times. Sent at submission and
    whenever the times move: routing (the department's calendar and the priority are known),
    a pause in awaiting_citizen (`paused`, no resolution due time while it lasts), the
    citizen's answer (the due time moves by exactly the paused business time), the first
    response (its due time is met and gone), a stop (resolved, rejected, closed) and a
    reopen (the same clock resumes). Never by a note, transfer or reassignment.

    A due time not yet reached is None while the clock is paused (it moves by the paused
    time); one already passed stays (overdue work stays overdue); a stopped clock keeps
    the due times it stopped with (compliance is judged against them); a first-response
    due time is None once the first response came.

    `generation` counts the times this request's due times were set, so a reader keeps
    the latest; `elapsed_business_seconds` is the clock's reading when they were set."""

    event_type = "org.nigrani.sla.deadline_set.v1"

    request_id: str
    generation: int
    cause: str
    policy_id: str
    category: str
    priority: str
    department_code: str | None
    calendar: str
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    elapsed_business_seconds: float
    paused: bool
    stopped: bool
    set_at: datetime


class _TargetMoment(EventData):
    """What a warning and a breach both say: which target of which request, due when."""

    request_id: str
    target: SlaTarget
    due_at: datetime
    department_code: str | None
    category: str
    priority: str
    fired_at: datetime


@register_event
class SlaWarning(_TargetMoment):
    """A share of a target (75% by default) has passed without the response or the
    resolution: the responsible staff still have time."""

    event_type = "org.nigrani.sla.warning.v1"


@register_event
class SlaBreached(_TargetMoment):
    """A target passed without the response or the resolution: the request is overdue."""

    event_type = "org.nigrani.sla.breached.v1"


@register_event
class SlaEscalated(EventData):
    """The resolution target was missed by a ladder level's allowance: the case must move
    to that level's queue (`role`: supervisor, dept_admin for the head of department,
    oversight), in the department responsible (`department_code`)."""

    event_type = "org.nigrani.sla.escalated.v1"

    request_id: str
    level: int
    role: str
    due_at: datetime
    escalation_due_at: datetime
    department_code: str | None
    category: str
    priority: str
    fired_at: datetime


class _NotificationOutcome(EventData):
    """How a delivery ended, for the request's internal timeline and for audit. It names
    the channel, the kind and the audience, never the address or the message: the
    recipient is a reference (`citizen`, `staff:<id>`, `subscription:<id>`). Its id is
    derived from the delivery key, so a repeated announcement is recognised downstream."""

    request_id: str
    delivery_id: str
    kind: str
    channel: str
    audience: str
    recipient: str
    attempts: int
    reason: str
    occurred_at: datetime


@register_event
class NotificationSent(_NotificationOutcome):
    """A gateway accepted the message (SMTP server, SMS gateway, webhook receiver)."""

    event_type = "org.nigrani.notification.sent.v1"


@register_event
class NotificationFailed(_NotificationOutcome):
    """The message will not be sent: a permanent refusal, retries used up, or the
    contact details gone (erased) before it could be."""

    event_type = "org.nigrani.notification.failed.v1"
