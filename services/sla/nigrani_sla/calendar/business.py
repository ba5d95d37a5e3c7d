"""Business-time arithmetic: when does an SLA clock that runs only in working time reach N
seconds, and how much working time lies between two moments.

Every instant is handled as whole microseconds since the epoch (a datetime's resolution),
so `between(s, add(s, x)) == x` holds exactly for any `x` in whole microseconds rather than
within a rounding error. A day's working spans are turned from wall-clock times into
instants once per date and cached: `add` and `between` then walk day by day over those
spans, never second by second, which keeps them cheap enough to run on every event.

Wall-clock times are read in the calendar's zone on each date, so a day on which the
clocks change has the working time its wall clock says (09:00-17:00 is eight hours on the
day of a DST change; a 00:00-24:00 day is 23 or 25). A wall time that a change skips is
read with the offset before the change (PEP 495, fold=0), one the change repeats as its
first occurrence; calendars should not start or end work inside the changing hour.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Container, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from nigrani_sla.calendar.hours import DAY, WEEKDAYS, DayHours, WeekHours, day_problem, seconds_of
from nigrani_sla.calendar.hours import subtract as subtract_spans

KARACHI = ZoneInfo("Asia/Karachi")
UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = dt.timedelta(microseconds=1)
_ONE_DAY = dt.timedelta(days=1)
# How far `add` looks for working time before deciding the calendar has none left (ten
# years of closures is a broken file, not a long target).
MAX_DAYS = 3660


@dataclass(frozen=True)
class Closure:
    """Working time taken away on the dates `first`..`last` (inclusive): the whole day, or
    only the `hours` given (wall clock), e.g. offices closing at noon on an Eid eve."""

    first: dt.date
    last: dt.date
    reason: str
    hours: DayHours = ((0, DAY),)

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class _Day:
    spans: tuple[tuple[int, int], ...]  # instants in microseconds, in order
    total: int


class BusinessCalendar:
    """When one department's clock runs. `week` is None for a calendar that never closes
    (24x7: no holidays, no closures, business time is wall time)."""

    def __init__(
        self,
        name: str,
        *,
        zone: ZoneInfo = KARACHI,
        week: WeekHours | None,
        holidays: Container[dt.date] = frozenset(),
        closures: Sequence[Closure] = (),
        day_seconds: float | None = None,
    ) -> None:
        if week is not None:
            _check_week(week)
        if day_seconds is not None and not 0 < day_seconds <= DAY:
            raise ValueError(f"calendar {name}: a working day must last (0, 24] hours")
        self.name = name
        self.zone = zone
        self._week = week
        self._holidays = holidays
        self._closures = tuple(closures)
        self._day_seconds = day_seconds
        self._days: dict[dt.date, _Day] = {}

    @classmethod
    def always_open(cls, name: str, zone: ZoneInfo | None = None) -> BusinessCalendar:
        return cls(name, zone=zone or ZoneInfo("UTC"), week=None)

    @property
    def day_seconds(self) -> float:
        """A full working day: the one configured, else the longest day of the week (a
        Friday half day does not shorten a target given in days)."""
        if self._day_seconds is not None:
            return self._day_seconds
        if self._week is None:
            return float(DAY)
        return float(max(seconds_of(hours) for hours in self._week))

    @property
    def never_closes(self) -> bool:
        return self._week is None

    def add(self, start: dt.datetime, business_seconds: float) -> dt.datetime:
        """The first moment (UTC) by which `business_seconds` of working time have passed
        since `start`. A clock started in closed time begins at the next opening; zero
        seconds is `start` itself."""
        need, now = _micros(business_seconds), _instant(start)
        if need == 0 or self._week is None:
            return _moment(now + need)
        day = self._local_date(now)
        for days in range(MAX_DAYS):
            plan = self._day(day)
            if days > 0 and plan.total < need:  # later days lie wholly after `start`
                need -= plan.total
            else:
                for open_at, close_at in plan.spans:
                    if close_at <= now:
                        continue
                    open_at = max(open_at, now)
                    if need <= close_at - open_at:
                        return _moment(open_at + need)
                    need -= close_at - open_at
            day += _ONE_DAY
        raise ValueError(f"calendar {self.name} has no working time within {MAX_DAYS} days")

    def between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working seconds in [start, end); 0 when `end` is not after `start`."""
        first, last = _instant(start), _instant(end)
        if last <= first:
            return 0.0
        if self._week is None:
            return (last - first) / 1_000_000
        day, last_day = self._local_date(first), self._local_date(last)
        total = 0
        while day <= last_day:
            plan = self._day(day)
            if not plan.spans:
                pass
            elif first <= plan.spans[0][0] and plan.spans[-1][1] <= last:
                total += plan.total
            else:
                for open_at, close_at in plan.spans:
                    total += max(0, min(close_at, last) - max(open_at, first))
            day += _ONE_DAY
        return total / 1_000_000

    def is_open(self, moment: dt.datetime) -> bool:
        now = _instant(moment)
        if self._week is None:
            return True
        spans = self._day(self._local_date(now)).spans
        return any(open_at <= now < close_at for open_at, close_at in spans)

    def working_spans(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        """The working time of one local date as UTC moments (for views and tests)."""
        if self._week is None:
            start = dt.datetime.combine(day, dt.time(), self.zone)
            return ((_moment(_instant(start)), _moment(_instant(start + _ONE_DAY))),)
        return tuple((_moment(a), _moment(b)) for a, b in self._day(day).spans)

    def _day(self, day: dt.date) -> _Day:
        plan = self._days.get(day)
        if plan is None:
            plan = self._days[day] = self._plan(day)
        return plan

    def _plan(self, day: dt.date) -> _Day:
        assert self._week is not None
        hours = () if day in self._holidays else self._week[day.weekday()]
        for closure in self._closures:
            if closure.covers(day):
                hours = subtract_spans(hours, closure.hours)
        spans: list[tuple[int, int]] = []
        for start, end in hours:
            open_at, close_at = self._wall(day, start), self._wall(day, end)
            if open_at >= close_at:
                continue
            if spans and open_at <= spans[-1][1]:  # touching after a clock change
                spans[-1] = (spans[-1][0], max(close_at, spans[-1][1]))
            else:
                spans.append((open_at, close_at))
        return _Day(tuple(spans), sum(b - a for a, b in spans))

    def _wall(self, day: dt.date, seconds: int) -> int:
        """The instant of a wall-clock time (seconds after midnight, 86,400 = next 00:00)."""
        if seconds == DAY:
            day, seconds = day + _ONE_DAY, 0
        hours, rest = divmod(seconds, 3600)
        clock = dt.time(hours, rest // 60, rest % 60)
        return _instant(dt.datetime.combine(day, clock, self.zone))

    def _local_date(self, instant: int) -> dt.date:
        return _moment(instant).astimezone(self.zone).date()

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.name!r}, zone={self.zone.key!r})"


def _check_week(week: WeekHours) -> None:
    if len(week) != len(WEEKDAYS):
        raise ValueError("a week has seven days of hours, Monday first")
    for name, hours in zip(WEEKDAYS, week, strict=True):
        if any(not 0 <= start < end <= DAY for start, end in hours):
            raise ValueError(f"{name}: a span must start before it ends, within the day")
        problem = day_problem(hours)
        if problem is not None:
            raise ValueError(f"{name}: {problem}")
    if not any(hours for hours in week):
        raise ValueError("a calendar needs some working time in its week")


def _micros(seconds: float) -> int:
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"business seconds must be a finite number >= 0, not {seconds}")
    return round(seconds * 1_000_000)


def _instant(moment: dt.datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business-time arithmetic needs timezone-aware datetimes")
    return (moment - _EPOCH) // _MICRO


def _moment(instant: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=instant)
