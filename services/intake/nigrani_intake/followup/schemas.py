"""What the citizen sends to act on a request, and what the private view and the action
endpoints answer. The private view is the citizen's own: it holds their description,
address and contact details, and is served only with the citizen token, never cached."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from nigrani_shared.web.errors import ErrorBody
from pydantic import BaseModel, StringConstraints

from nigrani_intake.followup.rules import CitizenAction
from nigrani_intake.notifications.schemas import NotificationOut
from nigrani_intake.submissions.schemas import (
    ContactIn,
    Lines,
    RequestPublic,
    StrictModel,
    Text,
)

MessageText = Annotated[Text, StringConstraints(min_length=1, max_length=4000), Lines]


class MessageIn(StrictModel):
    """Information the department asked for, or why a resolution is disputed or reopened;
    validated like a description."""

    text: MessageText


class ConfirmationIn(StrictModel):
    """Confirming a resolution takes no text (an empty object)."""


class ActionAccepted(BaseModel):
    """The action is durable and on its way to routing, which applies it to the case."""

    action: CitizenAction
    status: str = "accepted"
    message_id: str | None


class OpenActionOut(BaseModel):
    action: CitizenAction
    until: datetime | None


class ActionNotOpenBody(ErrorBody):
    status: str
    open_actions: list[OpenActionOut]


class LocationPrivate(BaseModel):
    lat: float
    lon: float
    address: str | None
    district: str | None


class MessagePrivate(BaseModel):
    message_id: str
    action: CitizenAction
    text: str | None
    acted_at: datetime


class RequestPrivate(RequestPublic):
    description: str
    location: LocationPrivate | None
    contact: ContactIn | None
    contact_erased_at: datetime | None
    messages: list[MessagePrivate]
    open_actions: list[OpenActionOut]
    #: How the messages sent to the citizen were delivered (never to staff or subscribers).
    notifications: list[NotificationOut]


class MessageInternal(BaseModel):
    """For staff services reading the message a `citizen_acted` event names; never public."""

    request_id: str
    message_id: str
    action: CitizenAction
    text: str | None
    acted_at: datetime
