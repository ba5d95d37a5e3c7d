"""The consumer's side: lifecycle events move the clocks, and every new generation of due
times is stored, planned as timers and announced (sla.deadline_set).

Order of writes, so that a crash anywhere loses nothing: the deadline_set event is
claimed in the outbox first, then the clock is written, then its timers, then the event
is published. A crash after the clock but before the timers is healed by redelivery (the
runtime commits only after the handler): the event is found already applied, and the
current generation's timers and announcement are written again. Neither does harm twice,
though the timers cost their writes again: a timer written twice still fires its
deterministic event once, and the announcement is rebuilt identical under its id per
generation (its cause and time are kept with the clock). The clock is written before its
timers, so a timer never meets an older generation than its own and is never wrongly
taken for stale.
"""

from __future__ import annotations

import logging
from datetime import datetime

from nigrani_shared.events import (
    CaseChanged,
    DeadlineSet,
    EventEnvelope,
    RequestRouted,
    RequestRoutedV1,
    RequestSubmitted,
    RequestSubmittedV1,
    RequestSubmittedV2,
    derived_event_id,
    new_event,
)
from nigrani_shared.timer_wheel import TimerWheel
from prometheus_client import Histogram

from nigrani_sla.clock import transitions
from nigrani_sla.clock.record import ClockRecord
from nigrani_sla.clock.schedule import plan
from nigrani_sla.clock.transitions import Change, Rules
from nigrani_sla.firing import SOURCE
from nigrani_sla.metrics import TIME_TO_FIRST_RESPONSE, TIME_TO_RESOLVE, TIME_TO_ROUTE
from nigrani_sla.outbox import SlaOutbox
from nigrani_sla.repository import SlaRepository

logger = logging.getLogger(__name__)


class ClockKeeper:
    def __init__(
        self, repository: SlaRepository, wheel: TimerWheel, outbox: SlaOutbox, rules: Rules
    ) -> None:
        self._repository = repository
        self._wheel = wheel
        self._outbox = outbox
        self.rules = rules

    async def submitted(
        self, data: RequestSubmitted | RequestSubmittedV2 | RequestSubmittedV1
    ) -> None:
        known = await self._repository.clock(data.request_id)
        if known is not None:
            await self._heal(known)
            return
        await self._commit(transitions.started(data, self.rules), "submitted", data.submitted_at)

    async def routed(self, data: RequestRouted | RequestRoutedV1) -> None:
        known = await self._repository.clock(data.request_id)
        if known is None:
            logger.warning(
                "routed request has no clock (submitted before the SLA service kept one)",
                extra={"request_id": data.request_id},
            )
            return
        if known.case_version >= 1:
            await self._heal(known)
            return
        change = transitions.routed(known, data, self.rules)
        self._observe_route(change.record)
        await self._apply(change, data.routed_at)

    async def case_changed(self, data: CaseChanged) -> None:
        known = await self._repository.clock(data.request_id)
        if known is None or known.case_version == 0:
            logger.warning(
                "case change for a request without a routed clock; skipped",
                extra={"request_id": data.request_id},
            )
            return
        if known.case_version >= data.case_version:
            await self._heal(known)
            return
        change = transitions.case_changed(known, data, self.rules)
        self._observe_progress(known, change.record)
        await self._apply(change, data.occurred_at)

    async def _apply(self, change: Change, at: datetime) -> None:
        if change.cause is None:
            await self._repository.save_clock(change.record)
        else:
            await self._commit(change.record, change.cause, at)

    async def _commit(self, record: ClockRecord, cause: str, at: datetime) -> None:
        record = record.evolve(set_cause=cause, set_at=at)
        announcement = self._deadline_set(record, cause, at)
        claimed = await self._outbox.claim(announcement)
        await self._repository.save_clock(record)
        await self._plan(record)
        if claimed:
            await self._outbox.send_claimed(announcement)

    async def _heal(self, record: ClockRecord) -> None:
        """A redelivered event: what its first delivery may not have finished. The
        announcement is sent whether or not an entry of the first delivery is still in the
        outbox (it is the same event, identical, under the same id): the redelivery need
        not wait for the relay's grace."""
        await self._plan(record)
        set_at = record.set_at or record.submitted_at
        announcement = self._deadline_set(record, record.set_cause, set_at)
        await self._outbox.claim(announcement)
        await self._outbox.send_claimed(announcement)

    async def _plan(self, record: ClockRecord) -> None:
        policy = self.rules.policies.policy_for(record.category, record.priority)
        calendar = self.rules.calendars.named(record.calendar)
        timers = [
            (
                timer.key,
                timer.due_at,
                {
                    "request_id": timer.request_id,
                    "generation": timer.generation,
                    "kind": timer.kind,
                    "target": timer.target,
                    "level": timer.level,
                    "role": timer.role,
                },
            )
            for timer in plan(record, policy, calendar)
        ]
        if timers:
            await self._wheel.schedule_many(timers)

    def _deadline_set(self, record: ClockRecord, cause: str, at: datetime) -> EventEnvelope:
        calendar = self.rules.calendars.named(record.calendar)
        data = DeadlineSet(
            request_id=record.request_id,
            generation=record.generation,
            cause=cause,
            policy_id=record.policy_id,
            category=record.category,
            priority=record.priority,
            department_code=record.department_code,
            calendar=record.calendar,
            first_response_due_at=record.first_response_due_at,
            resolution_due_at=record.resolution_due_at,
            elapsed_business_seconds=transitions.elapsed_at(record, calendar, at),
            paused=record.paused,
            stopped=not record.open,
            set_at=at,
        )
        event_id = derived_event_id(record.request_id, "sla.deadline_set", str(record.generation))
        return new_event(data, subject=record.request_id, source=SOURCE, event_id=event_id)

    def _observe_route(self, record: ClockRecord) -> None:
        if record.routed_at is not None:
            self._observe(TIME_TO_ROUTE, record, record.routed_at)

    def _observe_progress(self, before: ClockRecord, after: ClockRecord) -> None:
        if before.first_response_at is None and after.first_response_at is not None:
            self._observe(TIME_TO_FIRST_RESPONSE, after, after.first_response_at)
        if before.first_stopped_at is None and after.first_stopped_at is not None:
            self._observe(TIME_TO_RESOLVE, after, after.first_stopped_at)

    def _observe(self, histogram: Histogram, record: ClockRecord, at: datetime) -> None:
        calendar = self.rules.calendars.named(record.calendar)
        department = record.department_code or "unrouted"
        wall = (at - record.submitted_at).total_seconds()
        business = calendar.between(record.submitted_at, at)
        histogram.labels(department, record.category, "wall").observe(max(wall, 0.0))
        histogram.labels(department, record.category, "business").observe(business)
