"""Immutable, versioned events and the CloudEvents envelope that carries them."""

from nigrani_shared.events.base import EventData
from nigrani_shared.events.codec import (
    UndecodableEventError,
    UnknownEventTypeError,
    decode_event,
    encode_event,
)
from nigrani_shared.events.envelope import EventEnvelope, derived_event_id, new_event
from nigrani_shared.events.models import (
    Actor,
    CaseChanged,
    CaseEscalated,
    CitizenActed,
    Contact,
    ContactErased,
    DeadlineSet,
    Location,
    NotificationFailed,
    NotificationSent,
    PlaceRef,
    RequestRouted,
    RequestRoutedV1,
    RequestSubmitted,
    RequestSubmittedV1,
    RequestSubmittedV2,
    SlaBreached,
    SlaEscalated,
    SlaWarning,
)
from nigrani_shared.events.registry import EVENT_MODELS, model_for_type

__all__ = [
    "EVENT_MODELS",
    "Actor",
    "CaseChanged",
    "CaseEscalated",
    "CitizenActed",
    "Contact",
    "ContactErased",
    "DeadlineSet",
    "EventData",
    "EventEnvelope",
    "Location",
    "NotificationFailed",
    "NotificationSent",
    "PlaceRef",
    "RequestRouted",
    "RequestRoutedV1",
    "RequestSubmitted",
    "RequestSubmittedV1",
    "RequestSubmittedV2",
    "SlaBreached",
    "SlaEscalated",
    "SlaWarning",
    "UndecodableEventError",
    "UnknownEventTypeError",
    "decode_event",
    "derived_event_id",
    "encode_event",
    "model_for_type",
    "new_event",
]
