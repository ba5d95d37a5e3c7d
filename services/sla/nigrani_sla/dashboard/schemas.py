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
    """The board's summary as JSON: its fields are read by name (nested ones too), so a
    field is added to the summary and to the model, never copied by hand in between."""
    fields = {
        name: getattr(summary, name) for name in OpsSummary.model_fields if hasattr(summary, name)
    }
    return OpsSummary.model_validate(
        {
            **fields,
            "scope": "system" if summary.department is None else "department",
            "time_zone": time_zone,
            "escalations": [
                {"level": level, "open": count} for level, count in summary.escalations.items()
            ],
        },
        from_attributes=True,
    )
