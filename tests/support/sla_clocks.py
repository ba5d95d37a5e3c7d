"""SLA clocks for tests, as the SLA consumer stores them: open and running unless told,
around a fixed moment (a Friday morning in Lahore)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from nigrani_sla.board.days import KARACHI
from nigrani_sla.clock.record import ClockRecord

# A Friday morning in Lahore: 09:00 +05:00.
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def karachi(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=KARACHI).astimezone(UTC)


def clock(request_id: str, **fields: Any) -> ClockRecord:
    """An open, running clock submitted a day before NOW, due in two days, unless told."""
    submitted = fields.pop("submitted_at", NOW - timedelta(days=1))
    values: dict[str, Any] = {
        "request_id": request_id,
        "category": "water.no_supply",
        "priority": "normal",
        "department_code": "WASA-LHR",
        "calendar": "punjab",
        "policy_id": "water-normal",
        "first_response_target_seconds": 8 * 3600.0,
        "resolution_target_seconds": 3 * 8 * 3600.0,
        "submitted_at": submitted,
        "state": "routed",
        "case_version": 1,
        "running_since": submitted,
        "resolution_due_at": NOW + timedelta(days=2),
    }
    values.update(fields)
    return ClockRecord(**values)


def stopped(request_id: str, at: datetime, **fields: Any) -> ClockRecord:
    return clock(request_id, stopped_at=at, running_since=None, state="resolved", **fields)
