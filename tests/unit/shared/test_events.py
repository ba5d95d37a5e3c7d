import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nigrani_shared.events import (
    EVENT_MODELS,
    Contact,
    Location,
    PlaceRef,
    RequestRouted,
    RequestRoutedV1,
    RequestSubmitted,
    RequestSubmittedV1,
    UndecodableEventError,
    UnknownEventTypeError,
    decode_event,
    derived_event_id,
    encode_event,
    new_event,
)
from nigrani_shared.events.asyncapi import build_document

ASYNCAPI = Path(__file__).parents[3] / "docs" / "asyncapi.json"


def _submitted(district: str = "Karachi") -> RequestSubmitted:
    return RequestSubmitted(
        request_id="ABCD-EFGH-JKMN",
        category="sanitation.sewage_overflow",
        place=PlaceRef(lat=24.86, lon=67.0, district=district),
        channel="web",
        sensitive=False,
        anonymous=False,
        has_contact=True,
        submitted_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


@given(st.text(min_size=1, max_size=200))
def test_an_event_survives_the_round_trip(district: str) -> None:
    envelope = new_event(_submitted(district), subject="ABCD-EFGH-JKMN", source="/test")
    assert decode_event(encode_event(envelope)) == envelope


def test_a_v1_submission_retained_on_the_topic_is_still_decoded() -> None:
    legacy = RequestSubmittedV1(
        request_id="ABCD-EFGH-JKMN",
        category="sanitation.sewage_overflow",
        description="Sewage in the street",
        location=Location(lat=24.86, lon=67.0, address="Block 5", district="Karachi"),
        contact=Contact(name="Sana", phone="+923001112223", language="ur"),
        channel="web",
        sensitive=False,
        submitted_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    envelope = new_event(legacy, subject="ABCD-EFGH-JKMN", source="/test")
    assert decode_event(encode_event(envelope)).data == legacy


def test_the_current_submitted_event_has_no_field_for_personal_data() -> None:
    """Lifecycle topics are retained and copied to DLQs: nothing erasable may enter them."""
    fields = set(RequestSubmitted.model_fields) | set(PlaceRef.model_fields)
    assert not fields & {"description", "contact", "name", "phone", "email", "address"}


def test_the_envelope_carries_cloudevents_attributes() -> None:
    envelope = new_event(_submitted(), subject="ABCD-EFGH-JKMN", source="/nigrani/intake")
    raw = json.loads(encode_event(envelope))
    assert raw["specversion"] == "1.0"
    assert raw["type"] == "org.nigrani.request.submitted.v3"
    assert {"id", "source", "subject", "time", "datacontenttype", "data"} <= raw.keys()


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"\xff\xfe",
        b"not json",
        b"[1, 2]",
        b'{"type": "org.nigrani.unknown.v1", "data": {}}',
        b'{"type": "org.nigrani.request.routed.v1", "data": {"request_id": "X"}}',
    ],
)
def test_anything_malformed_is_one_error_type(value: bytes | None) -> None:
    with pytest.raises(UndecodableEventError):
        decode_event(value)


def _envelope_bytes(event_type: str, data: object) -> bytes:
    envelope = {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/future-producer",
        "type": event_type,
        "subject": "ABCD-EFGH-JKMN",
        "time": "2026-11-01T00:00:00Z",
        "datacontenttype": "application/json",
        "data": data,
    }
    return json.dumps(envelope).encode()


def test_a_valid_envelope_of_an_unknown_type_is_told_apart_from_garbage() -> None:
    """A producer may ship a new type before its consumers: not poison, so not a DLQ case."""
    with pytest.raises(UnknownEventTypeError) as raised:
        decode_event(_envelope_bytes("org.nigrani.request.reopened.v1", {"any": "thing"}))
    assert raised.value.event_type == "org.nigrani.request.reopened.v1"
    assert not isinstance(raised.value, UndecodableEventError)


def test_invalid_data_for_a_known_type_is_undecodable() -> None:
    with pytest.raises(UndecodableEventError):
        decode_event(_envelope_bytes(RequestRouted.event_type, {"request_id": "X"}))


def test_events_are_frozen_and_refuse_unknown_fields() -> None:
    event = _submitted()
    with pytest.raises(ValueError, match="frozen"):
        event.category = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="Extra inputs"):
        RequestRoutedV1.model_validate(
            {
                "request_id": "X",
                "department_code": "A",
                "department_name": "A",
                "rule_id": "r",
                "routed_at": "2026-11-01T00:00:00Z",
                "extra": 1,
            }
        )


def test_derived_ids_are_deterministic_and_distinct() -> None:
    assert derived_event_id("ABCD", "routed") == derived_event_id("ABCD", "routed")
    assert derived_event_id("ABCD", "routed") != derived_event_id("ABCD", "submitted")


def test_every_type_name_is_versioned() -> None:
    assert all(name.rsplit(".", 1)[-1].startswith("v") for name in EVENT_MODELS)


def test_the_asyncapi_document_matches_the_event_models() -> None:
    """A failure here means an event model changed. A published version is never edited:
    add a new `.vN` type; then regenerate the document with
    `python -m nigrani_shared.events.asyncapi > docs/asyncapi.json`."""
    assert json.loads(ASYNCAPI.read_text()) == build_document()
