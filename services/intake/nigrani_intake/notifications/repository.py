"""The notifications collection: how each delivery about a request ended
(notification.sent / notification.failed), one insert-only document per outcome, `_id` =
"<tracking code>:<slot>" (nigrani_shared.store.slots).

Outcomes have no order of their own a writer could key them by (unlike case versions),
so they take slots 0, 1, 2 ... by inserting, identified by their event id: a redelivered
event, or one announced twice (its id is derived from the delivery), walks the slots,
meets its own entry and stores nothing. Reading walks the slots by `_id` until the first
empty one, never a query on the request (any other filter scans the collection).

Kept apart from the timeline, which the public view reads: nothing here is ever public.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from nigrani_shared.store import slots
from nigrani_shared.store.client import Document
from pymongo.asynchronous.collection import AsyncCollection

COLLECTION = "notifications"


class NotificationsRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def add(
        self,
        tracking_code: str,
        event_id: str,
        *,
        outcome: Literal["sent", "failed"],
        channel: str,
        kind: str,
        audience: str,
        reason: str,
        attempts: int,
        at: datetime,
    ) -> Document:
        """Stores the outcome unless its event is stored already; returns the stored one.
        Never the recipient (an address, or a staff member's id)."""
        entry = {
            "request_id": tracking_code,
            "event_id": event_id,
            "outcome": outcome,
            "channel": channel,
            "kind": kind,
            "audience": audience,
            "reason": reason,
            "attempts": attempts,
            "at": at,
        }
        return await slots.append(self._collection, tracking_code, entry, unique="event_id")

    async def entries(self, tracking_code: str) -> list[Document]:
        """The request's outcomes, oldest first."""
        found = await slots.read_all(self._collection, tracking_code)
        return sorted(found, key=lambda e: e["at"])
