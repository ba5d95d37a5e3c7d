"""Builds the stored shapes of a submission: the request document and its outbox entry.

Pure functions, so that the intake endpoint and the relay agree on one shape. Each
submission attempt carries a fresh `attempt` id in both: the request document records the
attempt whose entry it was derived from, which is how anyone can tell later which entry
announces it and whether an answer is a first acceptance or a replay.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from nigrani_shared.events import (
    EventEnvelope,
    PlaceRef,
    RequestSubmitted,
    derived_event_id,
    encode_event,
    new_event,
)
from nigrani_shared.store.client import Document

from nigrani_intake.catalog.schemas import Category
from nigrani_intake.submissions.schemas import RequestCreate

EVENT_SOURCE = "/nigrani/intake"


def body_fingerprint(body: RequestCreate) -> str:
    """Identifies the request's content, so a key reused for a different body is refused."""
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True)
class Submission:
    request: Document
    outbox_entry: Document


def build_submission(
    *,
    tracking_code: str,
    body: RequestCreate,
    category: Category,
    key_hash: str,
    token_hash: str,
    submitted_at: datetime,
    topic: str,
    attempt: str,
    district: str | None,
) -> Submission:
    """`district` is the canonical name of the district typed (None if it names none we
    know); what was typed is kept only privately, as `district_as_given`."""
    request: Document = {
        "_id": tracking_code,
        "attempt": attempt,
        "key_hash": key_hash,
        "body_hash": body_fingerprint(body),
        "token_hash": token_hash,
        "category": category.code,
        "sensitive": category.sensitive,
        "anonymous": category.anonymous,
        "description": body.description,
        "location": (
            {
                **body.location.model_dump(),
                "district": district,
                "district_as_given": body.location.district,
            }
            if body.location
            else None
        ),
        "contact": body.contact.model_dump() if body.contact else None,
        "channel": body.channel,
        "concerns_department": body.concerns_department,
        "submitted_at": submitted_at,
        "timeline": {
            derived_event_id(tracking_code, "submitted"): {
                "status": "submitted",
                "at": submitted_at,
            }
        },
    }
    entry = outbox_entry(submitted_event(request), topic=topic, attempt=attempt, request=request)
    return Submission(request=request, outbox_entry=entry)


def outbox_entry(
    event: EventEnvelope, *, topic: str, attempt: str, request: Document | None = None
) -> Document:
    """An event waiting for Kafka. A submission's entry also holds the request it announces,
    so the relay can derive the request if the endpoint died between its two writes."""
    entry: Document = {
        "_id": event.id,
        "request_id": event.subject,
        "attempt": attempt,
        "topic": topic,
        "event": encode_event(event).decode(),
        "event_type": event.type,
        "created_at": event.time,
    }
    if request is not None:
        entry["request"] = request
    return entry


def submitted_event(request: Document) -> EventEnvelope:
    """The lifecycle event of a stored request: no description, address or contact details
    (see events.models), and no coordinates for sensitive or anonymous categories (a point
    can name a home; routing has the district). Built from the request document, so the
    relay can also rebuild it for an entry written by an older version."""
    location: Document | None = request.get("location")
    hide_point = bool(request.get("sensitive") or request.get("anonymous"))
    place = (
        PlaceRef(
            lat=None if hide_point else location["lat"],
            lon=None if hide_point else location["lon"],
            district=location.get("district"),
        )
        if location
        else None
    )
    data = RequestSubmitted(
        request_id=request["_id"],
        category=request["category"],
        place=place,
        channel=request["channel"],
        sensitive=bool(request.get("sensitive")),
        anonymous=bool(request.get("anonymous")),
        has_contact=request.get("contact") is not None,
        concerns_department=request.get("concerns_department"),
        submitted_at=request["submitted_at"],
    )
    return new_event(
        data,
        subject=request["_id"],
        source=EVENT_SOURCE,
        event_id=derived_event_id(request["_id"], "submitted"),
    )
