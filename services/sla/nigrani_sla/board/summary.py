"""What the board answers: plain frozen values, no I/O and no web types, so the JSON
schema, the page and the gauges each map them in their own place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

UNROUTED = "unrouted"  # the board's name for requests no department owns yet


@dataclass(frozen=True)
class OverdueCase:
    """A request past its resolution due time: its public tracking code and how late it
    is. Nothing else (no category, no place), so the list can be shown on a wall."""

    request_id: str
    department: str
    due_at: datetime
    overdue_seconds: float


@dataclass(frozen=True)
class Compliance:
    """Of the requests stopped this month that had a resolution target (`stopped` minus
    `without_target`), the share stopped at or before it; None when there were none."""

    stopped: int
    on_time: int
    without_target: int

    @property
    def ratio(self) -> float | None:
        targeted = self.stopped - self.without_target
        return self.on_time / targeted if targeted else None


@dataclass(frozen=True)
class ResolveTimes:
    """Wall seconds from submission to the clock's stop, of requests stopped this month."""

    resolved: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class TrendDay:
    """One local day: requests submitted, stopped, breached (due that day and not stopped
    by then) and the overdue backlog at the day's end (for today: now)."""

    day: date
    submitted: int
    stopped: int
    breached: int
    overdue_at_end: int


@dataclass(frozen=True)
class DepartmentLine:
    """A department's backlog in one line: what the gauges export and the system page
    lists."""

    department: str
    open: int
    overdue: int
    oldest_overdue_seconds: float
    last_staff_action_at: datetime | None


@dataclass(frozen=True)
class BoardSummary:
    department: str | None  # None: the whole system
    as_of: datetime
    today: date
    month_start: date
    open: int
    overdue: int
    paused: int
    compliance: Compliance
    time_to_resolve: ResolveTimes
    breaches_today: int
    oldest_overdue: Sequence[OverdueCase]
    trend: Sequence[TrendDay]
    escalations: dict[int, int]  # open requests by escalation level (1 and up)
    last_staff_action_at: datetime | None
    departments: Sequence[DepartmentLine]  # the system's departments; empty for one


def quantile(ordered: Sequence[float], share: float) -> float | None:
    """Linear interpolation between the closest ranks (NumPy's default, Excel's
    PERCENTILE.INC): the median of [1, 2, 3, 4] is 2.5. None for no values."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * share
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
