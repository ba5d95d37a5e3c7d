"""Properties of business-time arithmetic, for calendars with holidays, half days, part-day
closures, night shifts and DST: `between` undoes `add`, both are monotonic, `add` finds
the earliest moment, and `between` agrees with an independent minute-by-minute count that
reads each UTC minute's wall clock (so the local-to-UTC conversion is checked, not reused).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nigrani_sla.calendar.business import BusinessCalendar, Closure

from tests.unit.sla.calendar.examples import (
    hours,
    london_nights,
    london_office,
    london_wall,
    office,
)

US = dt.timedelta(microseconds=1)
MINUTE = dt.timedelta(minutes=1)
CALENDARS = {
    "office": office(
        closures=(
            Closure(dt.date(2025, 12, 30), dt.date(2026, 1, 2), "year end", hours("13:00-24:00")),
            Closure(dt.date(2026, 3, 19), dt.date(2026, 3, 19), "Eid eve", hours("12:00-24:00")),
        )
    ),
    "london-office": london_office(),
    "london-wall": london_wall(),
    "london-nights": london_nights(),
    "always-open": BusinessCalendar.always_open("always-open"),
}

# Around both 2025 DST changes in London, the Pakistan holidays of 2025-2026 and a year end.
moments = st.datetimes(
    min_value=dt.datetime(2025, 3, 20),
    max_value=dt.datetime(2026, 4, 10),
    timezones=st.just(dt.UTC),
)
# Whole microseconds: a datetime's resolution, so `add` loses nothing to rounding.
durations = st.integers(min_value=0, max_value=400 * 3600 * 10**6).map(lambda us: us / 10**6)
quick = settings(max_examples=150, deadline=None)


every_calendar = pytest.mark.parametrize("calendar", list(CALENDARS.values()), ids=list(CALENDARS))


@every_calendar
@quick
@given(start=moments, seconds=durations)
def test_between_undoes_add(calendar: BusinessCalendar, start: dt.datetime, seconds: float) -> None:
    due = calendar.add(start, seconds)
    assert due >= start
    assert calendar.between(start, due) == seconds


@every_calendar
@quick
@given(start=moments, seconds=durations.filter(lambda s: s > 0))
def test_add_finds_the_earliest_moment(
    calendar: BusinessCalendar, start: dt.datetime, seconds: float
) -> None:
    due = calendar.add(start, seconds)
    assert calendar.between(start, due - US) < seconds
    assert calendar.is_open(due - US)


@every_calendar
@quick
@given(start=moments, first=durations, second=durations)
def test_add_is_monotonic_and_additive(
    calendar: BusinessCalendar, start: dt.datetime, first: float, second: float
) -> None:
    shorter, longer = sorted((first, second))
    assert calendar.add(start, shorter) <= calendar.add(start, longer)
    assert calendar.add(calendar.add(start, first), second) == calendar.add(start, first + second)


@every_calendar
@quick
@given(early=moments, late=moments, seconds=durations)
def test_a_later_start_is_never_due_earlier(
    calendar: BusinessCalendar, early: dt.datetime, late: dt.datetime, seconds: float
) -> None:
    early, late = sorted((early, late))
    assert calendar.add(early, seconds) <= calendar.add(late, seconds)


@every_calendar
@quick
@given(a=moments, b=moments, c=moments)
def test_between_adds_up_over_consecutive_spans(
    calendar: BusinessCalendar, a: dt.datetime, b: dt.datetime, c: dt.datetime
) -> None:
    a, b, c = sorted((a, b, c))
    whole = calendar.between(a, c)
    parts = calendar.between(a, b), calendar.between(b, c)
    assert round(whole * 10**6) == round(parts[0] * 10**6) + round(parts[1] * 10**6)
    assert 0 <= parts[0] <= whole <= (c - a).total_seconds()


# Each dated period below covers a DST change, Pakistan holidays or a closure.
AROUND = [
    dt.datetime(2025, 3, 29, tzinfo=dt.UTC),  # London springs forward on 30 March
    dt.datetime(2025, 3, 28, tzinfo=dt.UTC),  # Eid al-Fitr 31 March - 2 April
    dt.datetime(2025, 8, 12, tzinfo=dt.UTC),  # Independence Day
    dt.datetime(2025, 10, 24, tzinfo=dt.UTC),  # London falls back on 26 October
    dt.datetime(2025, 12, 29, tzinfo=dt.UTC),  # a closure over the year end
]


@every_calendar
@settings(max_examples=40, deadline=None)
@given(
    base=st.sampled_from(AROUND),
    offset=st.integers(min_value=0, max_value=3 * 1440),
    length=st.integers(min_value=0, max_value=4 * 1440),
)
def test_between_matches_a_minute_by_minute_count(
    calendar: BusinessCalendar, base: dt.datetime, offset: int, length: int
) -> None:
    start = base + offset * MINUTE
    end = start + length * MINUTE
    assert calendar.between(start, end) == 60 * sum(
        _working_minute(calendar, start + n * MINUTE) for n in range(length)
    )


def _working_minute(calendar: BusinessCalendar, minute: dt.datetime) -> bool:
    """Reads the minute's wall clock in the calendar's zone and checks the calendar's
    rules for that local date directly (hours, holidays, closures)."""
    if calendar.never_closes:
        return True
    wall = minute.astimezone(calendar.zone)
    day, second = wall.date(), wall.hour * 3600 + wall.minute * 60
    if day in calendar._holidays:
        return False
    spans = calendar._week[day.weekday()]  # type: ignore[index]
    if not any(start <= second < end for start, end in spans):
        return False
    return not any(
        closure.covers(day) and any(start <= second < end for start, end in closure.hours)
        for closure in calendar._closures
    )
