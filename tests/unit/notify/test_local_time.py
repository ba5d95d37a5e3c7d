"""Quiet hours on the wall clock of a department's zone: an SMS is never moved earlier,
never lands inside quiet hours, is not moved at all outside them, and is moved exactly to
their end (also across midnight and across daylight-saving jumps and repeats)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nigrani_notify.local_time import QuietHours, format_local, sms_not_before

KARACHI = ZoneInfo("Asia/Karachi")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
# Zones with DST, a half-hour DST shift (Lord Howe), a whole skipped day (Apia, 2011) and none.
ZONES = [
    KARACHI,
    NEW_YORK,
    LONDON,
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Pacific/Apia"),
    ZoneInfo("UTC"),
]
NIGHT = QuietHours(time(21), time(8))


def _utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _local(moment: datetime, zone: ZoneInfo) -> time:
    return moment.astimezone(zone).time()


def test_outside_quiet_hours_the_moment_itself_is_returned() -> None:
    at = _utc(2026, 11, 28, 9, 0)  # 14:00 PKT
    assert sms_not_before(NIGHT, KARACHI, at) is at


def test_late_evening_waits_for_the_next_morning() -> None:
    at = _utc(2026, 11, 28, 17, 30)  # 22:30 PKT
    assert sms_not_before(NIGHT, KARACHI, at) == _utc(2026, 11, 29, 3, 0)  # 08:00 PKT


def test_small_hours_wait_for_the_same_morning() -> None:
    at = _utc(2026, 11, 28, 21, 0)  # 02:00 PKT on the 29th
    assert sms_not_before(NIGHT, KARACHI, at) == _utc(2026, 11, 29, 3, 0)


def test_the_start_is_quiet_and_the_end_is_not() -> None:
    start = datetime(2026, 11, 28, 21, 0, tzinfo=KARACHI)
    end = datetime(2026, 11, 29, 8, 0, tzinfo=KARACHI)
    assert sms_not_before(NIGHT, KARACHI, start) == end
    assert sms_not_before(NIGHT, KARACHI, end) is end


def test_a_daytime_window_not_spanning_midnight() -> None:
    lunch = QuietHours(time(13), time(14))
    at = datetime(2026, 6, 1, 13, 20, tzinfo=KARACHI)
    assert sms_not_before(lunch, KARACHI, at) == datetime(2026, 6, 1, 14, 0, tzinfo=KARACHI)
    assert sms_not_before(lunch, KARACHI, at - timedelta(hours=1)) == at - timedelta(hours=1)


def test_no_quiet_hours_never_defers() -> None:
    at = _utc(2026, 11, 28, 21, 0)
    assert sms_not_before(None, KARACHI, at) is at


def test_an_end_skipped_by_the_spring_jump_ends_at_the_jump() -> None:
    """New York jumps 02:00 -> 03:00 on 8 March 2026; quiet until 02:30 ends at 03:00 EDT."""
    quiet = QuietHours(time(22), time(2, 30))
    at = datetime(2026, 3, 8, 1, 0, tzinfo=NEW_YORK)
    result = sms_not_before(quiet, NEW_YORK, at)
    assert result.timestamp() == _utc(2026, 3, 8, 7, 0).timestamp()
    assert result.astimezone(NEW_YORK).time() == time(3, 0)


def test_an_end_repeated_by_the_autumn_fold_follows_the_moment() -> None:
    """New York repeats 01:00-02:00 on 1 November 2026: at 01:10 the first time, quiet ends
    at the first 01:30; at 01:10 the second time, at the second 01:30 (never earlier)."""
    quiet = QuietHours(time(22), time(1, 30))
    first = datetime(2026, 11, 1, 1, 10, tzinfo=NEW_YORK, fold=0)
    second = datetime(2026, 11, 1, 1, 10, tzinfo=NEW_YORK, fold=1)
    # Timestamps: PEP 495 makes a time in a repeated hour unequal to any other zone's.
    assert (
        sms_not_before(quiet, NEW_YORK, first).timestamp() == _utc(2026, 11, 1, 5, 30).timestamp()
    )
    assert (
        sms_not_before(quiet, NEW_YORK, second).timestamp() == _utc(2026, 11, 1, 6, 30).timestamp()
    )


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sms_not_before(NIGHT, KARACHI, datetime(2026, 1, 1, 12))


def test_equal_start_and_end_is_refused() -> None:
    with pytest.raises(ValueError, match="different"):
        QuietHours(time(8), time(8))


clocks = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


def _clock_change_days(zone: ZoneInfo) -> list[datetime]:
    """Midnights (UTC) of the days on which `zone`'s offset changes, 2010 to 2030."""
    days = [datetime(2010, 1, 1, tzinfo=UTC) + timedelta(days=n) for n in range(7670)]
    return [
        day
        for day in days
        if day.astimezone(zone).utcoffset()
        != (day + timedelta(days=1)).astimezone(zone).utcoffset()
    ]


CLOCK_CHANGES = {zone.key: _clock_change_days(zone) for zone in ZONES}
anywhen = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


@st.composite
def zones_and_moments(draw: st.DrawFn) -> tuple[ZoneInfo, datetime]:
    """Half the moments fall within two days of a clock change in their zone."""
    zone = draw(st.sampled_from(ZONES))
    changes = CLOCK_CHANGES[zone.key]
    if not changes or draw(st.booleans()):
        return zone, draw(anywhen)
    near = draw(st.sampled_from(changes))
    return zone, near + timedelta(seconds=draw(st.integers(-2 * 86_400, 3 * 86_400)))


@settings(max_examples=1500, deadline=None)
@given(zone_and_moment=zones_and_moments(), start=clocks, end=clocks)
def test_the_result_is_the_first_moment_outside_quiet_hours(
    zone_and_moment: tuple[ZoneInfo, datetime], start: time, end: time
) -> None:
    zone, at = zone_and_moment
    if start == end:
        return
    quiet = QuietHours(start, end)
    result = sms_not_before(quiet, zone, at)
    assert result.timestamp() >= at.timestamp()
    assert not quiet.contains(_local(result, zone))
    if not quiet.contains(_local(at, zone)):
        assert result is at
    else:
        # Nothing earlier would do: the second before the result is still quiet.
        assert quiet.contains(_local(result - timedelta(seconds=1), zone))


def _transition(day: datetime, zone: ZoneInfo) -> datetime:
    """The first quarter hour of `day` (UTC) with the new offset."""
    steps = (day + timedelta(minutes=15 * n) for n in range(1, 97))
    return next(
        at for at in steps if at.astimezone(zone).utcoffset() != day.astimezone(zone).utcoffset()
    )


TRANSITIONS = [(zone, _transition(day, zone)) for zone in ZONES for day in CLOCK_CHANGES[zone.key]]


@settings(max_examples=600, deadline=None)
@given(
    case=st.sampled_from(TRANSITIONS),
    quarters=st.integers(-6, 6),
    start=clocks,
    before=st.integers(-2 * 3600, 12 * 3600),
)
def test_quiet_hours_ending_around_a_clock_change_end_at_the_first_moment_outside_them(
    case: tuple[ZoneInfo, datetime], quarters: int, start: time, before: int
) -> None:
    """The end of quiet hours falls in, or near, the hour a clock change skips or repeats."""
    zone, change = case
    wall_before = (change - timedelta(seconds=1)).astimezone(zone)
    end = (
        datetime.combine(wall_before.date(), time(wall_before.hour))
        + timedelta(minutes=15 * quarters)
    ).time()
    if start == end:
        return
    quiet = QuietHours(start, end)
    at = change - timedelta(seconds=before)
    result = sms_not_before(quiet, zone, at)
    assert result.timestamp() >= at.timestamp()
    assert not quiet.contains(_local(result, zone))
    if quiet.contains(_local(at, zone)):
        assert quiet.contains(_local(result - timedelta(seconds=1), zone))
    else:
        assert result is at


def test_format_local_writes_the_departments_wall_clock() -> None:
    due = _utc(2026, 11, 28, 9, 0)
    assert format_local(due, KARACHI, "en") == "28 Nov 2026 14:00 PKT"
    assert format_local(due, KARACHI, "ur") == "28 Nov 2026 14:00 PKT"
    assert format_local(due, KARACHI, "en", with_time=False) == "28 Nov 2026"
    assert format_local(_utc(2026, 7, 1, 8, 5), LONDON, "en") == "1 Jul 2026 09:05 BST"
