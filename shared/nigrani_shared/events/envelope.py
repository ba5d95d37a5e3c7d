"""CloudEvents 1.0 envelope (structured content mode: the whole envelope is the Kafka value).

Structured mode keeps an event self-describing when it is copied to a dead-letter topic, a
file or an HTTP webhook; the Kafka key is the request id so one request's events keep order.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, SerializeAsAny

from nigrani_shared.events.base import EventData

_NIGRANI_NAMESPACE = uuid.UUID("9d1c3a52-6f0e-4b7e-8a59-2f4b1c0e7d11")


class EventEnvelope(BaseModel):
    """An event as it travels: CloudEvents attributes around a typed payload."""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str
    type: str
    subject: str
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    data: SerializeAsAny[EventData]


def derived_event_id(*parts: str) -> str:
    """A deterministic id from what caused an event, so that a second firing is recognised."""
    return str(uuid.uuid5(_NIGRANI_NAMESPACE, "/".join(parts)))


def new_event(
    data: EventData, *, subject: str, source: str, event_id: str | None = None
) -> EventEnvelope:
    return EventEnvelope(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=data.event_type,
        subject=subject,
        time=datetime.now(UTC),
        data=data,
    )
