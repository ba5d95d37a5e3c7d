"""Which timers a clock needs, and when they fall due: pure, from the record alone.

Every timer is a point on the clock, in business seconds from the submission: the warning
at a share of each target, the breach at the target, and the ladder's levels at the
resolution target plus the allowances up to that level. Only a running clock has timers;
a generation's timers are all written when it is set, and a timer whose generation is no
longer the clock's is stale and never fires (a pause, a stop or a new policy made it so).
A point the clock passed in an earlier run is planned again, due at once: if it fired
then, its deterministic event id recognises it (nigrani_sla.firing); if it never could
(a tighter target after a priority change), it fires now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from nigrani_sla.calendar.business import BusinessCalendar
from nigrani_sla.clock.record import ClockRecord
from nigrani_sla.policies.model import Policy

Kind = Literal["warning", "breached", "escalated"]
Target = Literal["first_response", "resolution"]


@dataclass(frozen=True)
class PlannedTimer:
    request_id: str
    generation: int
    kind: Kind
    target: Target
    level: int  # the ladder's level for escalations, 0 otherwise
    role: str | None
    due_at: datetime

    @property
    def key(self) -> str:
        return f"{self.request_id}/{self.kind}/{self.target}/{self.level}"


def plan(record: ClockRecord, policy: Policy, calendar: BusinessCalendar) -> list[PlannedTimer]:
    running_since = record.running_since
    if running_since is None or record.stopped_at is not None:
        return []
    points: list[tuple[Kind, Target, int, str | None, float]] = []
    if record.first_response_at is None:
        target = record.first_response_target_seconds
        points += [
            ("warning", "first_response", 0, None, target * policy.warning_share),
            ("breached", "first_response", 0, None, target),
        ]
    target = record.resolution_target_seconds
    points += [
        ("warning", "resolution", 0, None, target * policy.warning_share),
        ("breached", "resolution", 0, None, target),
    ]
    offset = target
    for rung in policy.ladder:
        offset += rung.allowance.business_seconds(calendar)
        points.append(("escalated", "resolution", rung.level, rung.role, offset))
    return [
        PlannedTimer(
            request_id=record.request_id,
            generation=record.generation,
            kind=kind,
            target=target_name,
            level=level,
            role=role,
            due_at=calendar.add(running_since, max(point - record.banked_seconds, 0.0)),
        )
        for kind, target_name, level, role, point in points
    ]
