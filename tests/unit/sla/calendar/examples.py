"""Calendars the calendar tests share, built in code (the loader has its own tests)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from nigrani_sla.calendar.business import BusinessCalendar, Closure
from nigrani_sla.calendar.hours import DayHours, WeekHours, parse_span
from nigrani_sla.calendar.public_holidays import PublicHolidays

KARACHI = ZoneInfo("Asia/Karachi")
LONDON = ZoneInfo("Europe/London")
HOUR = 3600.0


def hours(*spans: str) -> DayHours:
    return tuple(parse_span(span) for span in spans)


def week(weekdays: DayHours, friday: DayHours | None = None, weekend: DayHours = ()) -> WeekHours:
    return (weekdays, weekdays, weekdays, weekdays, friday or weekdays, weekend, weekend)


# Mon-Thu 09:00-17:00, Friday a half day to 12:30, weekend closed, Pakistan's holidays.
OFFICE_WEEK = week(hours("09:00-17:00"), friday=hours("09:00-12:30"))


def office(
    closures: tuple[Closure, ...] = (), openings: tuple[dt.date, ...] = ()
) -> BusinessCalendar:
    return BusinessCalendar(
        "office",
        zone=KARACHI,
        week=OFFICE_WEEK,
        holidays=PublicHolidays("PK", openings),
        closures=closures,
    )


def london_office() -> BusinessCalendar:
    """09:00-17:00 every day in a zone with DST."""
    every_day = hours("09:00-17:00")
    return BusinessCalendar("london-office", zone=LONDON, week=week(every_day, weekend=every_day))


def london_wall() -> BusinessCalendar:
    """00:00-24:00 every day in London: a day is 23 or 25 hours when the clocks change."""
    whole = hours("00:00-24:00")
    return BusinessCalendar("london-wall", zone=LONDON, week=week(whole, weekend=whole))


def london_nights() -> BusinessCalendar:
    """A night shift (22:00-06:00) on weekdays, whose nights cross DST changes."""
    nights = hours("00:00-06:00", "22:00-24:00")
    return BusinessCalendar("london-nights", zone=LONDON, week=week(nights))


def karachi(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=KARACHI)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)
