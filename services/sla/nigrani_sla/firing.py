"""What a due timer does: checks that its reason still holds, then publishes its event
once (outbox.py), with an id derived from the request, the kind, the target and the level,
so that however often the timer fires (two replicas, a repeated second, a point planned
again by a later generation) one event exists.

A timer holds only when its generation is still the clock's and the clock runs: a pause,
a stop or new due times made a new generation, and the timers of the old one are stale.
Timers of one request are fired in due order (a warning before its breach, a breach
before an escalation); different requests concurrently, a bounded number at a time.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    EventEnvelope,
    SlaBreached,
    SlaEscalated,
    SlaWarning,
    derived_event_id,
    new_event,
)
from nigrani_shared.events.base import EventData
from nigrani_shared.timer_wheel import Timer

from nigrani_sla.clock.record import ClockRecord
from nigrani_sla.metrics import FIRING_LATENESS, REFIRED_TIMERS, STALE_TIMERS
from nigrani_sla.outbox import SlaOutbox
from nigrani_sla.repository import SlaRepository

SOURCE = "/nigrani/sla"
CONCURRENT_REQUESTS = 64


def fired_event_id(request_id: str, kind: str, target: str, level: int) -> str:
    return derived_event_id(request_id, "sla", kind, target, str(level))


class Firing:
    def __init__(self, repository: SlaRepository, outbox: SlaOutbox) -> None:
        self._repository = repository
        self._outbox = outbox
        self._limit = asyncio.Semaphore(CONCURRENT_REQUESTS)

    async def fire(self, timers: Sequence[Timer]) -> None:
        by_request: dict[str, list[Timer]] = defaultdict(list)
        for timer in timers:
            by_request[str(timer.payload["request_id"])].append(timer)
        await asyncio.gather(*(self._fire_request(group) for group in by_request.values()))

    async def _fire_request(self, timers: list[Timer]) -> None:
        async with self._limit:
            for timer in sorted(timers, key=lambda timer: timer.due_at):
                await self.fire_one(timer)

    async def fire_one(self, timer: Timer) -> bool:
        payload = timer.payload
        record = await self._repository.clock(str(payload["request_id"]))
        if record is None or not _holds(record, payload):
            STALE_TIMERS.inc()
            return False
        envelope = _event(record, payload, timer)
        if not await self._outbox.fire_once(envelope):
            REFIRED_TIMERS.inc()
            return False
        FIRING_LATENESS.observe(max((utc_now() - timer.due_at).total_seconds(), 0.0))
        return True


def _holds(record: ClockRecord, payload: dict[str, object]) -> bool:
    if record.generation != payload["generation"] or record.running_since is None:
        return False
    if record.stopped_at is not None:
        return False
    return not (payload["target"] == "first_response" and record.first_response_at is not None)


def _event(record: ClockRecord, payload: dict[str, object], timer: Timer) -> EventEnvelope:
    kind, target, level = str(payload["kind"]), str(payload["target"]), int(str(payload["level"]))
    common = {
        "request_id": record.request_id,
        "department_code": record.department_code,
        "category": record.category,
        "priority": record.priority,
        "fired_at": utc_now(),
    }
    due = record.resolution_due_at if target == "resolution" else record.first_response_due_at
    data: EventData
    if kind == "escalated":
        data = SlaEscalated(
            **common,
            level=level,
            role=str(payload["role"]),
            due_at=due or timer.due_at,
            escalation_due_at=timer.due_at,
        )
    elif kind == "breached":
        data = SlaBreached(**common, target=target, due_at=due or timer.due_at)
    else:
        data = SlaWarning(**common, target=target, due_at=due or timer.due_at)
    return new_event(
        data,
        subject=record.request_id,
        source=SOURCE,
        event_id=fired_event_id(record.request_id, kind, target, level),
    )
