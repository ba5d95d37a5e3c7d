"""What a webhook subscriber receives for an event: the Standard Webhooks shape
`{"type", "timestamp", "data"}`, with `data` built from an allow-list per event class.

Subscribers are outside systems, so `data` carries no personal data and nothing
staff-internal: a field that is not listed here is not sent, and an event class without
an entry is refused (a unit test walks the event registry, so a new event type cannot be
delivered before somebody decides what of it may leave). Case changes lose the internal
note, the reason, the message reference, the assignee and the staff member (the actor's
kind and role stay); submissions keep the category, the district, the channel and the
flags, and coordinates only when the request is neither sensitive nor anonymous.
Notification events are never delivered (a delivery would announce itself, and so on).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nigrani_shared.events import (
    CaseChanged,
    CaseEscalated,
    CitizenActed,
    ContactErased,
    DeadlineSet,
    EventData,
    EventEnvelope,
    NotificationFailed,
    NotificationSent,
    RequestRouted,
    RequestRoutedV1,
    RequestSubmitted,
    RequestSubmittedV1,
    RequestSubmittedV2,
    SlaBreached,
    SlaEscalated,
    SlaWarning,
)


@dataclass(frozen=True)
class AllowList:
    """The fields of one event class that a subscriber receives. `nested` names the fields
    kept of a sub-object; `coordinates_in` names the sub-object whose `lat`/`lon` are kept
    only when the request is neither `sensitive` nor `anonymous`."""

    fields: tuple[str, ...]
    nested: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    coordinates_in: str | None = None


_SUBMITTED = ("request_id", "category", "channel", "sensitive", "submitted_at")
_CASE_CHANGE = (
    "request_id",
    "case_version",
    "action",
    "from_state",
    "to_state",
    "department_code",
    "department_name",
    "priority",
    "transfers",
    "reopened",
    "public_note",
    "occurred_at",
)
_ACTOR = {"actor": ("kind", "role")}
_SLA_MOMENT = (
    "request_id",
    "target",
    "due_at",
    "department_code",
    "category",
    "priority",
    "fired_at",
)

#: Every registered event class, exactly (a subclass needs its own entry); None: never sent.
ALLOW_LISTS: dict[type[EventData], AllowList | None] = {
    RequestSubmittedV1: AllowList(
        _SUBMITTED, nested={"location": ("district",)}, coordinates_in="location"
    ),
    RequestSubmittedV2: AllowList(
        (*_SUBMITTED, "anonymous", "has_contact"),
        nested={"place": ("district",)},
        coordinates_in="place",
    ),
    RequestSubmitted: AllowList(
        (*_SUBMITTED, "anonymous", "has_contact", "concerns_department"),
        nested={"place": ("district",)},
        coordinates_in="place",
    ),
    ContactErased: AllowList(("request_id", "erased_at")),
    RequestRoutedV1: AllowList(
        ("request_id", "department_code", "department_name", "rule_id", "routed_at")
    ),
    RequestRouted: AllowList(
        (
            "request_id",
            "category",
            "district",
            "department_code",
            "department_name",
            "rule_id",
            "rule_set_version",
            "areas",
            "conflict_of_interest",
            "priority",
            "routed_at",
        )
    ),
    CaseChanged: AllowList(_CASE_CHANGE, nested=_ACTOR),
    CaseEscalated: AllowList(
        (
            *_CASE_CHANGE,
            "escalation_level",
            "escalated_to_role",
            "escalated_to_department",
        ),
        nested=_ACTOR,
    ),
    CitizenActed: AllowList(("request_id", "action", "acted_at")),
    DeadlineSet: AllowList(
        (
            "request_id",
            "generation",
            "cause",
            "policy_id",
            "category",
            "priority",
            "department_code",
            "calendar",
            "first_response_due_at",
            "resolution_due_at",
            "elapsed_business_seconds",
            "paused",
            "stopped",
            "set_at",
        )
    ),
    SlaWarning: AllowList(_SLA_MOMENT),
    SlaBreached: AllowList(_SLA_MOMENT),
    SlaEscalated: AllowList(
        (
            "request_id",
            "level",
            "role",
            "due_at",
            "escalation_due_at",
            "department_code",
            "category",
            "priority",
            "fired_at",
        )
    ),
    NotificationSent: None,
    NotificationFailed: None,
}


class NotDeliverableError(LookupError):
    """The event is never sent to a webhook (a notification, or a class with no entry)."""


def webhook_payload(envelope: EventEnvelope) -> dict[str, Any]:
    """The payload of one event, or NotDeliverableError."""
    allow = ALLOW_LISTS.get(type(envelope.data))
    if allow is None:
        raise NotDeliverableError(envelope.type)
    return {
        "type": envelope.type,
        "timestamp": envelope.time.isoformat(),
        "data": project(envelope.data, allow),
    }


def webhook_body(envelope: EventEnvelope) -> bytes:
    """The payload as the bytes that are signed and sent (compact, UTF-8)."""
    return json.dumps(webhook_payload(envelope), ensure_ascii=False, separators=(",", ":")).encode()


def project(data: EventData, allow: AllowList) -> dict[str, Any]:
    dumped = data.model_dump(mode="json")
    out = {name: dumped[name] for name in allow.fields}
    for name, kept in allow.nested.items():
        value = dumped[name]
        out[name] = None if value is None else {k: value.get(k) for k in kept}
    if allow.coordinates_in is not None:
        source = dumped[allow.coordinates_in]
        hidden = dumped.get("sensitive", True) or dumped.get("anonymous", False)
        if source is not None and not hidden:
            out[allow.coordinates_in].update(lat=source.get("lat"), lon=source.get("lon"))
    return out
