"""Business-time arithmetic on concrete dates: weekends, holidays, nights, month and year
ends, half days, closures, hours against days, and wall-clock time across DST changes.

Dates in 2025 and 2026 use the `holidays` package's Pakistan list: 2025-03-31..04-02 Eid
al-Fitr, 2025-08-14 Independence Day, 2025-12-25 Quaid-e-Azam Day.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from nigrani_sla.calendar.business import BusinessCalendar, Closure
from nigrani_sla.calendar.hours import WeekHours

from tests.unit.sla.calendar.examples import (
    HOUR,
    KARACHI,
    LONDON,
    OFFICE_WEEK,
    hours,
    karachi,
    london,
    london_nights,
    london_office,
    london_wall,
    office,
    week,
)

ADDS = [
    # (why, start, business hours, due)
    ("within a day", karachi(2025, 6, 2, 10), 3, karachi(2025, 6, 2, 13)),
    ("over a night", karachi(2025, 6, 2, 16), 2, karachi(2025, 6, 3, 10)),
    ("over a weekend, from a half day", karachi(2025, 6, 13, 11), 2, karachi(2025, 6, 16, 9, 30)),
    ("over a holiday", karachi(2025, 8, 13, 16), 2, karachi(2025, 8, 15, 10)),
    ("over three Eid days", karachi(2025, 3, 28, 12), 1, karachi(2025, 4, 3, 9, 30)),
    ("over a month end", karachi(2025, 1, 31, 12), 2, karachi(2025, 2, 3, 10, 30)),
    ("over a year end", karachi(2025, 12, 31, 16), 4, karachi(2026, 1, 1, 12)),
    ("over a year end weekend", karachi(2027, 12, 31, 12), 1, karachi(2028, 1, 3, 9, 30)),
    ("over Christmas Day", karachi(2025, 12, 24, 16), 2, karachi(2025, 12, 26, 10)),
    ("from a weekend", karachi(2025, 6, 14, 15), 1, karachi(2025, 6, 16, 10)),
    ("from before opening", karachi(2025, 6, 2, 6), 1, karachi(2025, 6, 2, 10)),
    ("ending at closing time", karachi(2025, 6, 2, 9), 8, karachi(2025, 6, 2, 17)),
    (
        "a full week, due as the week's work ends",
        karachi(2025, 6, 16, 9),
        35.5,
        karachi(2025, 6, 20, 12, 30),
    ),
]


@pytest.mark.parametrize(("why", "start", "business_hours", "due"), ADDS)
def test_add_on_the_office_calendar(
    why: str, start: dt.datetime, business_hours: float, due: dt.datetime
) -> None:
    calendar = office()
    assert calendar.add(start, business_hours * HOUR) == due, why
    assert calendar.between(start, due) == business_hours * HOUR, why


def test_a_submission_at_23_59_on_a_holiday_eve_starts_after_the_holiday() -> None:
    """Wednesday 13 August 2025 23:59; Thursday is Independence Day, Friday a half day."""
    calendar = office()
    submitted = karachi(2025, 8, 13, 23, 59)
    assert not calendar.is_open(submitted)
    assert calendar.add(submitted, 1) == karachi(2025, 8, 15, 9) + dt.timedelta(seconds=1)
    # 3.5 hours on Friday, 4.5 on Monday.
    assert calendar.add(submitted, 8 * HOUR) == karachi(2025, 8, 18, 13, 30)
    assert calendar.between(submitted, karachi(2025, 8, 15, 9)) == 0


def test_hours_and_days_differ_by_the_calendar() -> None:
    """24 business hours of an 8-hour office are three working days; one day of it is 8
    hours (the full day, not Friday's half); a round-the-clock day is 24 hours."""
    calendar = office()
    monday = karachi(2025, 6, 2, 9)
    assert calendar.add(monday, 24 * HOUR) == karachi(2025, 6, 4, 17)
    assert calendar.day_seconds == 8 * HOUR
    assert calendar.add(monday, 3 * calendar.day_seconds) == karachi(2025, 6, 4, 17)
    whole = hours("00:00-24:00")
    clock = BusinessCalendar("round", zone=KARACHI, week=week(whole, weekend=whole))
    assert clock.day_seconds == 24 * HOUR
    assert clock.add(monday, 24 * HOUR) == karachi(2025, 6, 3, 9)


def test_the_configured_day_length_wins() -> None:
    calendar = BusinessCalendar("short", week=OFFICE_WEEK, day_seconds=7.5 * HOUR)
    assert calendar.day_seconds == 7.5 * HOUR


def test_a_half_day_counts_only_its_hours() -> None:
    calendar = office()
    friday = karachi(2025, 6, 13)
    assert calendar.between(friday, friday + dt.timedelta(days=1)) == 3.5 * HOUR
    assert calendar.is_open(karachi(2025, 6, 13, 12, 29))
    assert not calendar.is_open(karachi(2025, 6, 13, 12, 30))


def test_closures_take_whole_and_part_days() -> None:
    calendar = office(
        closures=(
            Closure(dt.date(2025, 6, 17), dt.date(2025, 6, 17), "flood"),
            Closure(dt.date(2025, 6, 18), dt.date(2025, 6, 18), "eve", hours("12:00-24:00")),
        )
    )
    start = karachi(2025, 6, 16, 16)
    # Monday 1 hour, Tuesday closed, Wednesday 09:00-12:00, Thursday 2 hours.
    assert calendar.add(start, 6 * HOUR) == karachi(2025, 6, 19, 11)
    assert not calendar.is_open(karachi(2025, 6, 17, 10))
    assert calendar.is_open(karachi(2025, 6, 18, 11, 59))
    assert not calendar.is_open(karachi(2025, 6, 18, 12))


def test_a_closure_over_a_range_of_dates_and_a_cut_in_the_middle_of_a_day() -> None:
    calendar = office(
        closures=(
            Closure(dt.date(2025, 6, 23), dt.date(2025, 6, 25), "strike"),
            Closure(dt.date(2025, 6, 26), dt.date(2025, 6, 26), "drill", hours("11:00-12:00")),
        )
    )
    monday = karachi(2025, 6, 23)
    assert calendar.between(monday, karachi(2025, 6, 26)) == 0
    assert calendar.between(karachi(2025, 6, 26), karachi(2025, 6, 27)) == 7 * HOUR
    assert calendar.add(karachi(2025, 6, 26, 10, 30), HOUR) == karachi(2025, 6, 26, 12, 30)


def test_an_opening_makes_a_listed_holiday_a_working_day() -> None:
    thursday = karachi(2025, 8, 14, 10)
    assert not office().is_open(thursday)
    assert office(openings=(dt.date(2025, 8, 14),)).is_open(thursday)


def test_open_at_the_start_of_a_span_and_closed_at_its_end() -> None:
    calendar = office()
    assert calendar.is_open(karachi(2025, 6, 2, 9))
    assert not calendar.is_open(karachi(2025, 6, 2, 9) - dt.timedelta(microseconds=1))
    assert calendar.is_open(karachi(2025, 6, 2, 17) - dt.timedelta(microseconds=1))
    assert not calendar.is_open(karachi(2025, 6, 2, 17))
    assert not calendar.is_open(karachi(2025, 6, 14, 10))  # Saturday


def test_zero_seconds_is_the_start_itself_even_when_closed() -> None:
    calendar = office()
    saturday = karachi(2025, 6, 14, 15)
    assert calendar.add(saturday, 0) == saturday
    assert calendar.add(saturday, 0).tzinfo == dt.UTC


def test_due_times_are_utc_and_any_zone_may_ask() -> None:
    calendar = office()
    start = karachi(2025, 6, 2, 10).astimezone(LONDON)
    due = calendar.add(start, HOUR)
    assert due.tzinfo == dt.UTC
    assert due == karachi(2025, 6, 2, 11)


def test_between_is_zero_when_the_end_is_not_after_the_start() -> None:
    calendar = office()
    start = karachi(2025, 6, 2, 10)
    assert calendar.between(start, start) == 0
    assert calendar.between(start, start - dt.timedelta(hours=5)) == 0


def test_between_over_a_whole_year_counts_every_working_day() -> None:
    """2025 has 261 weekdays, 52 of them Fridays. Ten holidays fall on weekdays: 5 Feb,
    31 Mar-2 Apr (Eid al-Fitr), 1 May, 28 May, 6 and 9 Jun (Eid al-Adha; 6 Jun a Friday),
    14 Aug, 25 Dec. That leaves 200 full days of 8 hours and 51 Fridays of 3.5."""
    calendar = office()
    assert calendar.between(karachi(2025, 1, 1), karachi(2026, 1, 1)) == (200 * 8 + 51 * 3.5) * HOUR
    by_month = sum(
        calendar.between(karachi(2025, month, 1), karachi(2025 + month // 12, month % 12 + 1, 1))
        for month in range(1, 13)
    )
    assert by_month == (200 * 8 + 51 * 3.5) * HOUR


def test_a_night_shift_spans_midnight() -> None:
    calendar = london_nights()
    monday_evening = london(2025, 6, 2, 21)
    # 22:00-24:00 Monday, then 00:00-01:00 Tuesday.
    assert calendar.add(monday_evening, 3 * HOUR) == london(2025, 6, 3, 1)
    assert calendar.between(london(2025, 6, 2, 23), london(2025, 6, 3, 2)) == 3 * HOUR


def test_working_hours_are_wall_clock_hours_across_dst() -> None:
    """Europe/London springs forward on 30 March 2025 and falls back on 26 October 2025."""
    calendar = london_office()
    assert calendar.between(london(2025, 3, 29, 12), london(2025, 3, 31, 12)) == 16 * HOUR
    assert calendar.add(london(2025, 3, 29, 16), 2 * HOUR) == london(2025, 3, 30, 10)
    assert london(2025, 3, 30, 10).utcoffset() == dt.timedelta(hours=1)
    assert calendar.between(london(2025, 10, 25, 12), london(2025, 10, 27, 12)) == 16 * HOUR
    assert calendar.add(london(2025, 10, 25, 16), 2 * HOUR) == london(2025, 10, 26, 10)


def test_a_whole_day_lasts_23_or_25_hours_when_the_clocks_change() -> None:
    calendar = london_wall()
    assert calendar.between(london(2025, 3, 30), london(2025, 3, 31)) == 23 * HOUR
    assert calendar.between(london(2025, 10, 26), london(2025, 10, 27)) == 25 * HOUR
    assert calendar.add(london(2025, 3, 30), 23 * HOUR) == london(2025, 3, 31)


def test_night_shifts_across_dst_changes() -> None:
    """The 00:00-06:00 shift is five hours on the spring night and seven in autumn."""
    calendar = london_nights()
    assert calendar.between(london(2025, 3, 31), london(2025, 3, 31, 12)) == 6 * HOUR
    spring = BusinessCalendar(
        "nights-all-week",
        zone=LONDON,
        week=week(hours("00:00-06:00"), weekend=hours("00:00-06:00")),
    )
    assert spring.between(london(2025, 3, 30), london(2025, 3, 30, 12)) == 5 * HOUR
    assert spring.between(london(2025, 10, 26), london(2025, 10, 26, 12)) == 7 * HOUR


def test_a_calendar_that_never_closes_is_wall_time() -> None:
    calendar = BusinessCalendar.always_open("always")
    start = london(2025, 3, 29, 12)
    # Two London calendar days over the spring change are 47 hours of wall time.
    assert calendar.between(start, london(2025, 3, 31, 12)) == 47 * HOUR
    assert calendar.add(start, 90) == start + dt.timedelta(seconds=90)
    assert calendar.is_open(london(2025, 12, 25, 3))
    assert calendar.day_seconds == 24 * HOUR
    assert calendar.never_closes


def test_working_spans_show_a_day_in_utc() -> None:
    spans = office().working_spans(dt.date(2025, 6, 13))
    assert spans == ((karachi(2025, 6, 13, 9), karachi(2025, 6, 13, 12, 30)),)
    assert office().working_spans(dt.date(2025, 8, 14)) == ()


def test_each_date_is_worked_out_once() -> None:
    """add and between read a cached day plan: the holiday list is asked once per date."""
    asked: list[dt.date] = []

    class Counting:
        def __contains__(self, day: object) -> bool:
            assert isinstance(day, dt.date)
            asked.append(day)
            return False

    calendar = BusinessCalendar("counted", week=OFFICE_WEEK, holidays=Counting())
    start = karachi(2025, 6, 2, 10)
    for _ in range(3):
        calendar.add(start, 100 * HOUR)
        calendar.between(start, karachi(2025, 7, 2))
    assert len(asked) == len(set(asked))
    assert min(asked) == dt.date(2025, 6, 2)


@pytest.mark.parametrize("seconds", [-1, math.nan, math.inf])
def test_a_negative_or_not_finite_duration_is_refused(seconds: float) -> None:
    with pytest.raises(ValueError, match="finite number"):
        office().add(karachi(2025, 6, 2, 10), seconds)


def test_naive_datetimes_are_refused() -> None:
    calendar = office()
    naive = dt.datetime(2025, 6, 2, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.between(naive, karachi(2025, 6, 3))
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.is_open(naive)


@pytest.mark.parametrize(
    ("week_hours", "problem"),
    [
        (week(()), "needs some working time"),
        (week(((9 * 3600, 13 * 3600), (12 * 3600, 17 * 3600))), "without overlaps"),
        (week(((17 * 3600, 9 * 3600),)), "start before it ends"),
        ((hours("09:00-17:00"),) * 6, "seven days"),
    ],
)
def test_a_week_that_cannot_be_worked_is_refused(week_hours: WeekHours, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        BusinessCalendar("bad", week=week_hours)


def test_a_calendar_closed_for_ever_says_so_instead_of_looping() -> None:
    calendar = office(closures=(Closure(dt.date(2025, 1, 1), dt.date(2040, 1, 1), "closed"),))
    with pytest.raises(ValueError, match="no working time within"):
        calendar.add(karachi(2025, 6, 2), HOUR)
