"""The webhook payload is an allow-list per event class: every registered event type has
an entry (a new one fails here until somebody decides what of it may leave), nothing
personal or staff-internal is sent, and notification events are never delivered."""

from __future__ import annotations

import json

import pytest
from nigrani_notify.webhooks.payload import (
    ALLOW_LISTS,
    NotDeliverableError,
    webhook_body,
    webhook_payload,
)
from nigrani_notify.webhooks.subscription import is_deliverable
from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    EVENT_MODELS,
    NotificationSent,
    PlaceRef,
    RequestSubmitted,
    RequestSubmittedV1,
    new_event,
)
from nigrani_shared.events.models import Contact, Location
from pydantic import BaseModel

from tests.support.events import STAFF_CANARIES, case_changed, case_escalated


@pytest.mark.parametrize("event_type", sorted(EVENT_MODELS))
def test_every_registered_event_type_has_an_allow_list(event_type: str) -> None:
    model = EVENT_MODELS[event_type]
    assert model in ALLOW_LISTS, f"{event_type}: add an entry to webhooks/payload.py"
    allow = ALLOW_LISTS[model]
    assert (allow is None) == (not is_deliverable(event_type))
    if allow is None:
        return
    fields = model.model_fields
    for name in (*allow.fields, *allow.nested):
        assert name in fields, f"{event_type}: no field {name}"
    for name, kept in allow.nested.items():
        inner = _model_of(fields[name].annotation)
        assert set(kept) <= set(inner.model_fields), f"{event_type}.{name}: {kept}"
    if allow.coordinates_in is not None:
        assert allow.coordinates_in in allow.nested
        assert "sensitive" in fields


def _model_of(annotation: object) -> type[BaseModel]:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    raise AssertionError(f"not a model: {annotation}")


def test_case_changes_drop_staff_fields_and_keep_the_actor_kind_and_role() -> None:
    for event in (
        case_changed("AB12-CD34-EF56", version=2, to_state="assigned", public_note="On it"),
        case_escalated("AB12-CD34-EF56", version=3),
    ):
        payload = webhook_payload(event)
        data = payload["data"]
        assert payload["type"] == event.type
        assert data["request_id"] == "AB12-CD34-EF56"
        assert data["actor"] == {"kind": "staff", "role": "officer"}
        for name in ("internal_note", "reason", "message_id", "assignee"):
            assert name not in data
        text = webhook_body(event).decode()
        for canary in STAFF_CANARIES:
            assert canary not in text, canary


def _submitted(*, sensitive: bool, anonymous: bool) -> RequestSubmitted:
    return RequestSubmitted(
        request_id="AB12-CD34-EF56",
        category="water.no_supply",
        place=PlaceRef(lat=31.52, lon=74.35, district="Lahore"),
        channel="web",
        sensitive=sensitive,
        anonymous=anonymous,
        has_contact=True,
        submitted_at=utc_now(),
    )


@pytest.mark.parametrize(("sensitive", "anonymous"), [(True, False), (False, True), (True, True)])
def test_a_sensitive_or_anonymous_submission_carries_no_coordinates(
    sensitive: bool, anonymous: bool
) -> None:
    data = _submitted(sensitive=sensitive, anonymous=anonymous)
    payload = webhook_payload(new_event(data, subject=data.request_id, source="/t"))
    assert payload["data"]["place"] == {"district": "Lahore"}
    assert payload["data"]["category"] == "water.no_supply"
    assert payload["data"]["sensitive"] is sensitive


def test_an_ordinary_submission_keeps_its_district_and_coordinates() -> None:
    data = _submitted(sensitive=False, anonymous=False)
    payload = webhook_payload(new_event(data, subject=data.request_id, source="/t"))
    assert payload["data"]["place"] == {"district": "Lahore", "lat": 31.52, "lon": 74.35}
    assert payload["data"]["channel"] == "web"


def test_a_v1_submission_sends_no_description_address_or_contact() -> None:
    data = RequestSubmittedV1(
        request_id="AB12-CD34-EF56",
        category="water.no_supply",
        description="DESCRIPTION-canary",
        location=Location(lat=31.5, lon=74.3, address="ADDRESS-canary", district="Lahore"),
        contact=Contact(name="NAME-canary", phone="+923001234567", email="e@canary.example"),
        channel="web",
        sensitive=True,
        submitted_at=utc_now(),
    )
    text = webhook_body(new_event(data, subject=data.request_id, source="/t")).decode()
    for canary in ("canary", "+923001234567", "31.5", "74.3"):
        assert canary not in text
    assert json.loads(text)["data"]["location"] == {"district": "Lahore"}


def test_notification_events_are_never_delivered() -> None:
    data = NotificationSent(
        request_id="AB12-CD34-EF56",
        delivery_id="d1",
        kind="received",
        channel="webhook",
        audience="subscriber",
        recipient="subscription:sub_1",
        attempts=1,
        reason="http_200",
        occurred_at=utc_now(),
    )
    with pytest.raises(NotDeliverableError):
        webhook_payload(new_event(data, subject=data.request_id, source="/t"))
    assert not is_deliverable(data.event_type)


def test_the_payload_has_the_standard_webhooks_shape() -> None:
    event = case_changed("AB12-CD34-EF56", version=2, to_state="assigned")
    payload = json.loads(webhook_body(event))
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["timestamp"] == event.time.isoformat()
