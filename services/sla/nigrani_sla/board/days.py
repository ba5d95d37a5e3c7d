"""Local days of the board's time zone, as the ops team counts them.

"Today" and "this month" are Asia/Karachi days by default, whatever zone the server runs
in. Times are kept as POSIX seconds (floats): a float costs a third of an aware datetime,
and the board holds a few of them for every request the system has seen.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KARACHI = ZoneInfo("Asia/Karachi")


def seconds(moment: datetime) -> float:
    """POSIX seconds of a moment; a naive datetime is read as UTC (as the store keeps it),
    never as the server's local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def moment(posix: float) -> datetime:
    return datetime.fromtimestamp(posix, UTC)


def local_day(posix: float, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(posix, zone).date()


def day_start(day: date, zone: ZoneInfo) -> float:
    """The first second of a local day, in POSIX seconds."""
    return datetime.combine(day, time(), tzinfo=zone).timestamp()


def day_end(day: date, zone: ZoneInfo) -> float:
    """The first second of the next local day (days are half-open intervals)."""
    return day_start(day + timedelta(days=1), zone)


def days_between(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
