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
class RequestRouted(EventData):
    """Routing decided which department owns the request, and by which rule."""

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
class RequestSubmitted(EventData):
    """A citizen's request was accepted by intake and given a tracking code.

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
class ContactErased(EventData):
    """The citizen erased their contact details: every copy of them must go."""

    event_type = "org.nigrani.request.contact_erased.v1"

    request_id: str
    erased_at: datetime
