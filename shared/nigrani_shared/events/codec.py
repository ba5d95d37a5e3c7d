"""Bytes <-> envelopes.

Two outcomes are told apart, because the consumer runtime treats them oppositely:
- `UndecodableEventError`: not a CloudEvents envelope at all, or invalid data for a type we
  know. Permanent: straight to the dead-letter topic, no retries.
- `UnknownEventTypeError`: a valid envelope of a type this build does not know (a producer
  deployed before its consumers). Not an error of the message: skipped and counted.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from nigrani_shared.events.envelope import EventEnvelope
from nigrani_shared.events.registry import model_for_type

CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"


class UndecodableEventError(ValueError):
    """The message is not a valid Nigrani event: bad JSON, no envelope, or invalid data."""


class UnknownEventTypeError(Exception):
    """A valid envelope whose type this service's registry does not know."""

    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class _AnyEnvelope(BaseModel):
    """The envelope's attributes with the data left unchecked: is this a CloudEvent?"""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"]
    id: str
    source: str
    type: str
    subject: str
    time: datetime
    data: Any


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
    try:
        event_type = _AnyEnvelope.model_validate(raw).type
    except ValidationError as error:
        raise UndecodableEventError(
            f"not a CloudEvents envelope: {error.error_count()} errors"
        ) from error
    model = model_for_type(event_type)
    if model is None:
        raise UnknownEventTypeError(event_type)
    try:
        data = model.model_validate(raw.get("data"))
        return EventEnvelope.model_validate({**raw, "data": data})
    except ValidationError as error:
        raise UndecodableEventError(
            f"invalid {event_type}: {error.error_count()} errors"
        ) from error
