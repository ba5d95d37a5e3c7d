"""Bytes <-> envelopes. Anything that cannot be decoded raises one error type, which the
consumer runtime treats as permanent (straight to the dead-letter topic, no retries)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from nigrani_shared.events.envelope import EventEnvelope
from nigrani_shared.events.registry import model_for_type

CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"


class UndecodableEventError(ValueError):
    """The message is not a valid Nigrani event: bad JSON, unknown type or invalid data."""


def encode_event(envelope: EventEnvelope) -> bytes:
    return envelope.model_dump_json().encode()


def decode_event(value: bytes | None) -> EventEnvelope:
    if value is None:
        raise UndecodableEventError("message has no value")
    try:
        raw: Any = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UndecodableEventError(f"not JSON: {error}") from error
    if not isinstance(raw, dict):
        raise UndecodableEventError("envelope is not a JSON object")
    event_type = raw.get("type")
    model = model_for_type(event_type) if isinstance(event_type, str) else None
    if model is None:
        raise UndecodableEventError(f"unknown event type {event_type!r}")
    try:
        data = model.model_validate(raw.get("data"))
        return EventEnvelope.model_validate({**raw, "data": data})
    except ValidationError as error:
        raise UndecodableEventError(
            f"invalid {event_type}: {error.error_count()} errors"
        ) from error
