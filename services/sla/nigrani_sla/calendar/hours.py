"""Working hours as spans of one local day, written "HH:MM-HH:MM" in the calendar files.

A span is (start, end) in seconds after local midnight, end up to 86,400 ("24:00"), so a
night shift is two spans on two days ("22:00-24:00" and "00:00-06:00"). Spans are kept in
wall-clock seconds and turned into instants per date (business.py), which is what makes a
day with a DST change come out right.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Literal

DAY = 86_400
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Span = tuple[int, int]
DayHours = tuple[Span, ...]
WeekHours = tuple[DayHours, DayHours, DayHours, DayHours, DayHours, DayHours, DayHours]

_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2}))?"
_SPAN = re.compile(rf"^\s*{_TIME}\s*-\s*{_TIME}\s*$")


def parse_span(text: str) -> Span:
    """'08:00-12:30' -> (28800, 45000); raises ValueError saying what is wrong."""
    match = _SPAN.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a span of the day like '08:00-16:00'")
    parts = match.groups()
    start, end = _seconds(*parts[:3]), _seconds(*parts[3:])
    if start >= DAY or not start < end <= DAY:
        raise ValueError(f"{text!r} must start before it ends, within 00:00-24:00")
    return start, end


def format_span(span: Span) -> str:
    return f"{_clock(span[0])}-{_clock(span[1])}"


def day_problem(spans: Sequence[Span]) -> str | None:
    """Why these spans cannot be one day's hours (out of order or overlapping), or None."""
    for earlier, later in itertools.pairwise(spans):
        if later[0] < earlier[1]:
            return (
                f"{format_span(later)} must start after {format_span(earlier)} ends "
                "(list the spans of a day in order, without overlaps)"
            )
    return None


def subtract(spans: DayHours, closed: DayHours) -> DayHours:
    """What is left of `spans` once every span in `closed` is taken out."""
    left = list(spans)
    for cut_start, cut_end in closed:
        kept: list[Span] = []
        for start, end in left:
            if start < cut_start:
                kept.append((start, min(end, cut_start)))
            if end > cut_end:
                kept.append((max(start, cut_end), end))
        left = kept
    return tuple(left)


def seconds_of(spans: DayHours) -> int:
    return sum(end - start for start, end in spans)


def _seconds(hours: str, minutes: str, seconds: str | None) -> int:
    h, m, s = int(hours), int(minutes), int(seconds or 0)
    if h > 24 or m > 59 or s > 59 or (h == 24 and (m or s)):
        raise ValueError(f"{hours}:{minutes} is not a time of day")
    return h * 3600 + m * 60 + s


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")
