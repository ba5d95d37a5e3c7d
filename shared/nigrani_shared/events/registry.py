"""Maps CloudEvents `type` strings to payload models, so readers can decode any event."""

from __future__ import annotations

from typing import TypeVar

from nigrani_shared.events.base import EventData

EVENT_MODELS: dict[str, type[EventData]] = {}

_Model = TypeVar("_Model", bound=type[EventData])


def register_event(model: _Model) -> _Model:
    """Class decorator: adds a payload model to the registry, refusing duplicate types."""
    if model.event_type in EVENT_MODELS:
        raise ValueError(f"event type {model.event_type} is registered twice")
    EVENT_MODELS[model.event_type] = model
    return model


def model_for_type(event_type: str) -> type[EventData] | None:
    return EVENT_MODELS.get(event_type)
