"""Reading a request's delivery outcomes for staff services (the internal endpoint)."""

from __future__ import annotations

import asyncio

import pymongo

from nigrani_intake.notifications.repository import NotificationsRepository
from nigrani_intake.notifications.schemas import NotificationOut, RequestNotifications
from nigrani_intake.submissions.repository import RequestsRepository


class NotificationsService:
    def __init__(
        self,
        *,
        requests: RequestsRepository,
        notifications: NotificationsRepository,
        store_timeout_seconds: float,
    ) -> None:
        self._requests = requests
        self._notifications = notifications
        self._store_timeout = store_timeout_seconds

    async def of(self, tracking_code: str) -> RequestNotifications | None:
        """None if intake has no such request."""
        with pymongo.timeout(self._store_timeout):
            exists, stored = await asyncio.gather(
                self._requests.exists(tracking_code),
                self._notifications.entries(tracking_code),
            )
        if not exists:
            return None
        return RequestNotifications(
            request_id=tracking_code, notifications=[NotificationOut.of(s) for s in stored]
        )
