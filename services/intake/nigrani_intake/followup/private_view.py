"""The citizen's own view of their request: the public view, plus what only they may see
(description, full location, contact details, their messages, the actions open to them,
and how the messages sent to them were delivered). Served only to the holder of the
citizen token, with `Cache-Control: no-store`.

Deliveries to staff and to webhook subscribers are staff-internal: they are shown by the
internal endpoint (notifications/router.py), not here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from nigrani_shared.store.client import Document

from nigrani_intake.catalog.service import Catalog
from nigrani_intake.delay.deadline import DeadlineState
from nigrani_intake.followup.rules import OpenAction
from nigrani_intake.followup.schemas import (
    LocationPrivate,
    MessagePrivate,
    OpenActionOut,
    RequestPrivate,
)
from nigrani_intake.notifications.schemas import NotificationOut
from nigrani_intake.submissions import timeline
from nigrani_intake.submissions.public_view import to_public_view

#: The only audience whose deliveries the citizen sees (their own messages).
CITIZEN_AUDIENCE = "citizen"


def to_private_view(
    request: Document,
    catalog: Catalog,
    *,
    entries: list[timeline.Entry],
    messages: list[Document],
    opened: tuple[OpenAction, ...],
    notifications: Sequence[Document] = (),
    deadline: DeadlineState | None = None,
    now: datetime | None = None,
) -> RequestPrivate:
    public = to_public_view(request, catalog, entries=entries, deadline=deadline, now=now)
    location: dict[str, Any] | None = request.get("location")
    return RequestPrivate(
        **public.model_dump(),
        description=request["description"],
        location=(
            LocationPrivate(
                lat=location["lat"],
                lon=location["lon"],
                address=location.get("address"),
                district=location.get("district") or location.get("district_as_given"),
            )
            if location
            else None
        ),
        contact=request.get("contact"),
        contact_erased_at=request.get("contact_erased_at"),
        messages=sorted(
            (
                MessagePrivate(
                    message_id=m["_id"], action=m["action"], text=m["text"], acted_at=m["acted_at"]
                )
                for m in messages
            ),
            key=_acted_at,
        ),
        open_actions=[OpenActionOut(action=o.action, until=o.until) for o in opened],
        notifications=[
            NotificationOut.of(n) for n in notifications if n["audience"] == CITIZEN_AUDIENCE
        ],
    )


def _acted_at(message: MessagePrivate) -> datetime:
    return message.acted_at
