"""Clocks for the board's unit tests, and the board's figures computed the obvious way
(a pass over every clock for every figure), to check the indexed projection against."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from nigrani_sla.board.days import KARACHI
from nigrani_sla.board.projection import department_of
from nigrani_sla.board.summary import quantile
from nigrani_sla.clock.record import ClockRecord


def latest(records: list[ClockRecord]) -> list[ClockRecord]:
    """Per request, the clock with the highest (case_version, generation); the first of
    equals, as the board keeps it."""
    kept: dict[str, ClockRecord] = {}
    for record in records:
        held = kept.get(record.request_id)
        if held is None or (held.case_version, held.generation) < (
            record.case_version,
            record.generation,
        ):
            kept[record.request_id] = record
    return list(kept.values())


def _day(moment: datetime) -> date:
    return moment.astimezone(KARACHI).date()


def _end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=KARACHI)


def naive_summary(
    records: list[ClockRecord], now: datetime, department: str | None, oldest: int = 10
) -> dict[str, Any]:
    """The figures straight from their definitions. Assumes no clock stopped after now."""
    mine = [r for r in latest(records) if department is None or department_of(r) == department]
    today = _day(now)
    month = [r for r in mine if r.stopped_at and today.replace(day=1) <= _day(r.stopped_at)]
    month = [r for r in month if r.stopped_at and _day(r.stopped_at) <= today]

    def breached(day: date) -> int:
        return sum(
            1
            for r in mine
            if r.resolution_due_at is not None
            and _day(r.resolution_due_at) == day
            and r.resolution_due_at <= now
            and (r.stopped_at is None or r.stopped_at > r.resolution_due_at)
        )

    def overdue_at_end(day: date) -> int:
        if day == today:
            return sum(1 for r in mine if r.overdue_at(now))
        end = _end(day)
        return sum(
            1
            for r in mine
            if r.resolution_due_at is not None
            and r.resolution_due_at < end
            and (r.stopped_at is None or r.stopped_at >= end)
        )

    durations = sorted(
        (r.stopped_at - r.submitted_at).total_seconds() for r in month if r.stopped_at
    )
    overdue = sorted(
        (r.resolution_due_at, r.request_id, department_of(r))
        for r in mine
        if r.overdue_at(now) and r.resolution_due_at
    )
    actions = [r.last_staff_action_at for r in mine if r.last_staff_action_at is not None]
    levels = Counter(r.escalation_level for r in mine if r.open and r.escalation_level > 0)
    days = [today - timedelta(days=n) for n in range(29, -1, -1)]
    return {
        "open": sum(1 for r in mine if r.open),
        "overdue": sum(1 for r in mine if r.overdue_at(now)),
        "paused": sum(1 for r in mine if r.paused),
        "stopped": len(month),
        "on_time": sum(
            1
            for r in month
            if r.resolution_due_at and r.stopped_at and r.stopped_at <= r.resolution_due_at
        ),
        "without_target": sum(1 for r in month if r.resolution_due_at is None),
        "median": quantile(durations, 0.5),
        "p90": quantile(durations, 0.9),
        "breaches_today": breached(today),
        "oldest": [(code, dept, (now - due).total_seconds()) for due, code, dept in overdue][
            :oldest
        ],
        "escalations": dict(sorted(levels.items())),
        "last_action": max(actions) if actions else None,
        "trend": [
            (
                day,
                sum(1 for r in mine if _day(r.submitted_at) == day),
                sum(1 for r in mine if r.stopped_at and _day(r.stopped_at) == day),
                breached(day),
                overdue_at_end(day),
            )
            for day in days
        ],
    }


def figures(summary: Any) -> dict[str, Any]:
    """A BoardSummary in `naive_summary`'s shape."""
    return {
        "open": summary.open,
        "overdue": summary.overdue,
        "paused": summary.paused,
        "stopped": summary.compliance.stopped,
        "on_time": summary.compliance.on_time,
        "without_target": summary.compliance.without_target,
        "median": summary.time_to_resolve.median_seconds,
        "p90": summary.time_to_resolve.p90_seconds,
        "breaches_today": summary.breaches_today,
        "oldest": [(c.request_id, c.department, c.overdue_seconds) for c in summary.oldest_overdue],
        "escalations": summary.escalations,
        "last_action": summary.last_staff_action_at,
        "trend": [
            (t.day, t.submitted, t.stopped, t.breached, t.overdue_at_end) for t in summary.trend
        ],
    }
