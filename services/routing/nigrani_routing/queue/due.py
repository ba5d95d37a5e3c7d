"""Each request's resolution due time as the SLA service last set it, in memory, for the
staff queue's `overdue` filter and its due-time sort.

Fed by sla.deadline_set (the latest `generation` wins, so a late or repeated event never
turns a newer due time back) and sla.breached (resolution): a target once missed stays
missed, because the SLA clock it is measured on is never reset (a reopen resumes it). A
paused clock (awaiting the citizen) has no due time: such a case is overdue only if it
had already breached; a stopped clock (resolved, rejected, closed) is never overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from nigrani_shared.events import DeadlineSet, SlaBreached


@dataclass(frozen=True)
class DueTime:
    generation: int
    resolution_due_at: datetime | None
    paused: bool = False
    stopped: bool = False
    breached: bool = False

    def overdue(self, now: datetime) -> bool:
        if self.stopped:
            return False
        due = self.resolution_due_at
        return self.breached or (due is not None and due <= now)


class DueTimes:
    def __init__(self) -> None:
        self._by_request: dict[str, DueTime] = {}

    def of(self, request_id: str) -> DueTime | None:
        return self._by_request.get(request_id)

    def learn_deadline(self, data: DeadlineSet) -> None:
        known = self._by_request.get(data.request_id)
        if known is not None and known.generation >= data.generation:
            return
        self._by_request[data.request_id] = DueTime(
            generation=data.generation,
            resolution_due_at=data.resolution_due_at,
            paused=data.paused,
            stopped=data.stopped,
            breached=known is not None and known.breached,
        )

    def learn_breach(self, data: SlaBreached) -> None:
        if data.target != "resolution":
            return  # a late first response is not what the queue's "overdue" means
        known = self._by_request.get(data.request_id)
        if known is None:  # the due time itself is not known yet: the breach says it
            known = DueTime(generation=0, resolution_due_at=data.due_at)
        self._by_request[data.request_id] = replace(known, breached=True)

    def load(self, events: Iterable[DeadlineSet | SlaBreached]) -> None:
        for event in events:
            if isinstance(event, DeadlineSet):
                self.learn_deadline(event)
            else:
                self.learn_breach(event)
