"""Durable timers found by `_id`, never by scanning.

A timer is a document `_id` = "<wheel>:<due minute>:<slot>": the timers of one minute are
an append-only list of slots (nigrani_shared.store.slots), each taken by a unique insert
(the local store loses concurrent updates to one document, but never an insert) and read
as slots 0..n until the first missing one.
A sweep reads the minutes from its cursor up to one minute ago, so the minute being
filled is never read early. Firing must be idempotent: a slot is fired at least once
(two replicas may sweep the same minute; a crash repeats a minute), and timers are never
deleted; a timer whose reason has passed must be recognised by its handler.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from nigrani_shared.clock import utc_now
from nigrani_shared.store import slots
from nigrani_shared.store.client import Document

logger = logging.getLogger(__name__)

MINUTE = timedelta(minutes=1)
Fire = Callable[[str, datetime], Awaitable[None]]


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _minute_prefix(wheel: str, minute: datetime) -> str:
    return f"{wheel}:{minute:%Y-%m-%dT%H:%M}"


class MinuteTimers:
    def __init__(self, collection: AsyncCollection[Document], wheel: str) -> None:
        self._collection = collection
        self._wheel = wheel
        self._cursor_id = f"{wheel}:cursor"

    async def schedule(self, key: str, due: datetime) -> None:
        prefix = _minute_prefix(self._wheel, _minute(due))
        await slots.append(self._collection, prefix, {"key": key, "due_at": due})

    async def sweep(
        self, fire: Fire, *, now: datetime | None = None, max_minutes: int = 1440
    ) -> int:
        """Fires every timer due up to one minute ago, in due order; returns how many."""
        horizon = _minute(now or utc_now()) - MINUTE
        cursor = await self._collection.find_one({"_id": self._cursor_id})
        last: datetime = cursor["minute"] if cursor else horizon - MINUTE
        fired = 0
        minute = last + MINUTE
        for _ in range(max_minutes):
            if minute > horizon:
                break
            prefix = _minute_prefix(self._wheel, minute)
            for timer in await slots.read_all(self._collection, prefix):
                await fire(timer["key"], timer["due_at"])
                fired += 1
            await self._advance(minute)
            minute += MINUTE
        return fired

    async def _advance(self, minute: datetime) -> None:
        try:
            await self._collection.update_one(
                {"_id": self._cursor_id}, {"$max": {"minute": minute}}, upsert=True
            )
        except DuplicateKeyError:  # another replica created the cursor first
            await self._collection.update_one(
                {"_id": self._cursor_id}, {"$max": {"minute": minute}}
            )
