"""The ops JSON: one shape for the system and for a department, built from the board's
summary. The pages are rendered from the same object, so the numbers a page shows and
the JSON it refreshes from cannot disagree."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from nigrani_sla.board.summary import BoardSummary


class OverdueCaseOut(BaseModel):
    request_id: str = Field(description="The public tracking code.")
    department: str
    due_at: datetime
    overdue_seconds: float


class ComplianceOut(BaseModel):
    stopped: int = Field(description="Requests whose clock stopped this month.")
    on_time: int = Field(description="Of those, stopped at or before the resolution due time.")
    without_target: int = Field(description="Of those, without a resolution due time.")
    ratio: float | None = Field(description="on_time / (stopped - without_target).")


class ResolveTimesOut(BaseModel):
    resolved: int
    median_seconds: float | None
    p90_seconds: float | None


class TrendDayOut(BaseModel):
    day: date
    submitted: int
    stopped: int
    breached: int
    overdue_at_end: int = Field(description="Overdue backlog at the day's end (today: now).")


class EscalationOut(BaseModel):
    level: int
    open: int


class DepartmentLineOut(BaseModel):
    department: str
    open: int
    overdue: int
    oldest_overdue_seconds: float
    last_staff_action_at: datetime | None


class OpsSummary(BaseModel):
    scope: Literal["system", "department"]
    department: str | None
    as_of: datetime
    time_zone: str
    today: date
    month_start: date
    open: int
    overdue: int
    paused: int
    compliance: ComplianceOut
    time_to_resolve: ResolveTimesOut
    breaches_today: int
    oldest_overdue: list[OverdueCaseOut]
    escalations: list[EscalationOut]
    last_staff_action_at: datetime | None
    trend: list[TrendDayOut]
    departments: list[DepartmentLineOut] = Field(
        description="Every department's backlog (system scope only)."
    )


def ops_summary(summary: BoardSummary, time_zone: str) -> OpsSummary:
    return OpsSummary(
        scope="system" if summary.department is None else "department",
        department=summary.department,
        as_of=summary.as_of,
        time_zone=time_zone,
        today=summary.today,
        month_start=summary.month_start,
        open=summary.open,
        overdue=summary.overdue,
        paused=summary.paused,
        compliance=ComplianceOut(
            stopped=summary.compliance.stopped,
            on_time=summary.compliance.on_time,
            without_target=summary.compliance.without_target,
            ratio=summary.compliance.ratio,
        ),
        time_to_resolve=ResolveTimesOut(
            resolved=summary.time_to_resolve.resolved,
            median_seconds=summary.time_to_resolve.median_seconds,
            p90_seconds=summary.time_to_resolve.p90_seconds,
        ),
        breaches_today=summary.breaches_today,
        oldest_overdue=[
            OverdueCaseOut(
                request_id=case.request_id,
                department=case.department,
                due_at=case.due_at,
                overdue_seconds=case.overdue_seconds,
            )
            for case in summary.oldest_overdue
        ],
        escalations=[
            EscalationOut(level=level, open=count) for level, count in summary.escalations.items()
        ],
        last_staff_action_at=summary.last_staff_action_at,
        trend=[
            TrendDayOut(
                day=day.day,
                submitted=day.submitted,
                stopped=day.stopped,
                breached=day.breached,
                overdue_at_end=day.overdue_at_end,
            )
            for day in summary.trend
        ],
        departments=[
            DepartmentLineOut(
                department=line.department,
                open=line.open,
                overdue=line.overdue,
                oldest_overdue_seconds=line.oldest_overdue_seconds,
                last_staff_action_at=line.last_staff_action_at,
            )
            for line in summary.departments
        ],
    )
