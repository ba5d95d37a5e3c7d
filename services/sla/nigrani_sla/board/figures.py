"""The board's figures at a given moment, from department indexes (index.py).

Cost per call, with D departments, n open requests and m requests stopped this month:
open, paused and escalations O(D); overdue and breaches today O(D log n); the oldest
overdue O(D + k log D); compliance O(D x days of the month); resolve times O(m log m)
(a sort of this month's durations); the 30-day trend O(D x 30 log n) plus one pass over
the late-stop day counters. None of them passes over every request.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from nigrani_sla.board.days import day_end, day_start, days_between, local_day, moment, seconds
from nigrani_sla.board.index import DepartmentIndex
from nigrani_sla.board.summary import (
    BoardSummary,
    Compliance,
    DepartmentLine,
    OverdueCase,
    ResolveTimes,
    TrendDay,
    quantile,
)

Indexes = Mapping[str, DepartmentIndex]


def summarise(
    indexes: Indexes,
    now: datetime,
    zone: ZoneInfo,
    *,
    department: str | None,
    oldest: int,
    trend_days: int,
    lines: list[DepartmentLine],
) -> BoardSummary:
    at = seconds(now)
    today = local_day(at, zone)
    month = days_between(today.replace(day=1), today)
    parts = list(indexes.values())
    return BoardSummary(
        department=department,
        as_of=moment(at),
        today=today,
        month_start=month[0],
        open=sum(i.open for i in parts),
        overdue=sum(i.overdue(at) for i in parts),
        paused=sum(i.paused for i in parts),
        compliance=_compliance(parts, month),
        time_to_resolve=_resolve_times(parts, month),
        breaches_today=_breached(parts, today, at, zone),
        oldest_overdue=oldest_overdue(indexes, at, oldest),
        trend=_trend(parts, today, at, zone, trend_days),
        escalations=_escalations(parts),
        last_staff_action_at=_latest(i.last_action() for i in parts),
        departments=lines,
    )


def department_line(name: str, index: DepartmentIndex, at: float) -> DepartmentLine:
    overdue = index.overdue(at)
    last = index.last_action()
    return DepartmentLine(
        department=name,
        open=index.open,
        overdue=overdue,
        oldest_overdue_seconds=at - index.open_due[0][0] if overdue else 0.0,
        last_staff_action_at=moment(last) if last is not None else None,
    )


def oldest_overdue(indexes: Indexes, at: float, limit: int) -> list[OverdueCase]:
    """The `limit` open requests longest past due, across the given departments: each
    department's open list is ordered by due time, so this merges their overdue heads."""

    def heads(name: str, index: DepartmentIndex) -> Iterator[tuple[float, str, str]]:
        for due, request_id in islice(index.open_due, index.overdue(at)):
            yield due, request_id, name

    merged = heapq.merge(*(heads(name, index) for name, index in indexes.items()))
    return [
        OverdueCase(
            request_id=request_id, department=name, due_at=moment(due), overdue_seconds=at - due
        )
        for due, request_id, name in islice(merged, limit)
    ]


def _compliance(parts: list[DepartmentIndex], month: list[date]) -> Compliance:
    stopped = sum(i.stopped.get(d, 0) for i in parts for d in month)
    targeted = sum(i.targeted.get(d, 0) for i in parts for d in month)
    on_time = sum(i.on_time.get(d, 0) for i in parts for d in month)
    return Compliance(stopped=stopped, on_time=on_time, without_target=stopped - targeted)


def _resolve_times(parts: list[DepartmentIndex], month: list[date]) -> ResolveTimes:
    durations = sorted(
        value for i in parts for d in month for value in i.resolve_seconds.get(d, {}).values()
    )
    return ResolveTimes(
        resolved=len(durations),
        median_seconds=quantile(durations, 0.5),
        p90_seconds=quantile(durations, 0.9),
    )


def _breached(parts: list[DepartmentIndex], day: date, at: float, zone: ZoneInfo) -> int:
    """Requests due on `day` (up to now) that had not stopped by their due time: the
    open ones from the due-ordered list, the ones stopped late from a counter."""
    start, end = day_start(day, zone), day_end(day, zone)
    if start > at:
        return 0
    return sum(
        (i.overdue(at) if at < end else i.overdue_before(end))
        - i.overdue_before(start)
        + i.late_by_due_day.get(day, 0)
        for i in parts
    )


def _trend(
    parts: list[DepartmentIndex], today: date, at: float, zone: ZoneInfo, length: int
) -> list[TrendDay]:
    days = days_between(today - timedelta(days=length - 1), today)
    late = [0] * len(days)
    for index in parts:
        late = [a + b for a, b in zip(late, index.late_overdue_at_end_of(days), strict=True)]
    trend = []
    for n, day in enumerate(days):
        end = day_end(day, zone)
        open_overdue = sum(i.overdue(at) if day == today else i.overdue_before(end) for i in parts)
        trend.append(
            TrendDay(
                day=day,
                submitted=sum(i.submitted.get(day, 0) for i in parts),
                stopped=sum(i.stopped.get(day, 0) for i in parts),
                breached=_breached(parts, day, at, zone),
                overdue_at_end=open_overdue + late[n],
            )
        )
    return trend


def _escalations(parts: list[DepartmentIndex]) -> dict[int, int]:
    total: Counter[int] = Counter()
    for index in parts:
        total.update(index.open_by_level)
    return {level: count for level, count in sorted(total.items()) if count > 0}


def _latest(times: Iterator[float | None]) -> datetime | None:
    known = [t for t in times if t is not None]
    return moment(max(known)) if known else None
