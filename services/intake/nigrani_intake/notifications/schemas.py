"""A delivery's outcome as the internal and the citizen's views show it: the channel,
the kind of message, whom it was for, how it ended and why; never an address."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from nigrani_shared.store.client import Document
from pydantic import BaseModel


class NotificationOut(BaseModel):
    channel: str
    kind: str
    audience: str
    outcome: Literal["sent", "failed"]
    reason: str
    attempts: int
    at: datetime

    @classmethod
    def of(cls, stored: Document) -> NotificationOut:
        return cls.model_validate({name: stored[name] for name in cls.model_fields})


class RequestNotifications(BaseModel):
    """For staff services: every delivery about one request, whatever its audience."""

    request_id: str
    notifications: list[NotificationOut]
