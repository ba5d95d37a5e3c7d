"""The reminder that a case has waited on its assignee too long.

Each assignment schedules one timer on the `waiting` wheel at assignment + the configured
wait, carrying the case version it saw. When it fires, the reminder is owed only if the
case is still that version (nobody has touched it since) and still with that official;
its delivery is keyed by the request and version, so replicas and repeats make one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from nigrani_shared.clock import utc_now
from nigrani_shared.events import CaseChanged
from nigrani_shared.events.envelope import derived_event_id
from nigrani_shared.timer_wheel import Timer, TimerWheel

from nigrani_notify.cases import CaseViews
from nigrani_notify.deliveries import Delivery
from nigrani_notify.planning import ASSIGNED_STATES, Planner
from nigrani_notify.shaping import deliveries_of

WAITING_TYPE = "org.nigrani.notify.waiting"
Enqueue = Callable[[Sequence[Delivery]], Awaitable[None]]


class WaitingReminders:
    def __init__(
        self, wheel: TimerWheel, cases: CaseViews, planner: Planner, wait: timedelta
    ) -> None:
        self._wheel = wheel
        self._cases = cases
        self._planner = planner
        self._wait = wait

    async def watch(self, change: CaseChanged) -> None:
        if change.assignee is None or change.to_state not in ASSIGNED_STATES:
            return
        payload = {
            "request_id": change.request_id,
            "staff_id": change.assignee,
            "case_version": change.case_version,
            "since": change.occurred_at,
        }
        key = f"{change.request_id}:{change.case_version}"
        await self._wheel.schedule(key, change.occurred_at + self._wait, payload)

    async def fire(self, timers: Sequence[Timer], enqueue: Enqueue) -> None:
        for timer in timers:
            request_id = str(timer.payload["request_id"])
            version = int(timer.payload["case_version"])
            staff_id = str(timer.payload["staff_id"])
            since: datetime = timer.payload["since"]
            view = await self._cases.get(request_id)
            untouched = view.case_version == version and view.assignee == staff_id
            if not (untouched and view.state in ASSIGNED_STATES):
                continue
            now = utc_now()
            planned = self._planner.waiting(view, staff_id, now - since)
            event_id = derived_event_id("waiting", request_id, str(version))
            await enqueue(
                deliveries_of(
                    planned,
                    event_id=event_id,
                    event_type=WAITING_TYPE,
                    request_id=request_id,
                    department_code=view.department_code,
                    event_time=now,
                )
            )
