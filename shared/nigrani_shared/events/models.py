"""Event payloads. A published version is never edited: add `...v2` beside it instead.

Payloads hold only validated data. Contact details travel on the internal bus because
notify needs them, but no event is ever copied to a public view or a log line.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from nigrani_shared.events.base import EventData
from nigrani_shared.events.registry import register_event

EVENT_SOURCE_PREFIX = "/nigrani"


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
class RequestSubmitted(EventData):
    """A citizen's request was accepted by intake and given a tracking code."""

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
class RequestRouted(EventData):
    """Routing decided which department owns the request, and by which rule."""

    event_type = "org.nigrani.request.routed.v1"

    request_id: str
    department_code: str
    department_name: str
    rule_id: str
    routed_at: datetime
