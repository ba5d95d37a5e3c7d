"""The ops board's figures on hand-made clocks: each definition and its edges (due exactly
now, a stop exactly at the due time, months and days in Karachi time, not UTC)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from nigrani_sla.board.projection import BoardProjection, UnknownDepartmentError
from nigrani_sla.board.summary import UNROUTED, quantile

from tests.support.sla_clocks import NOW, clock, karachi, stopped

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
TODAY = date(2026, 11, 20)


def _board(*records: object) -> BoardProjection:
    board = BoardProjection()
    for record in records:
        board.apply(record)  # type: ignore[arg-type]
    return board


def test_an_empty_board_answers_zeros_and_knows_no_department() -> None:
    board = BoardProjection()
    summary = board.summary(NOW)
    assert (summary.open, summary.overdue, summary.paused, summary.breaches_today) == (0, 0, 0, 0)
    assert summary.compliance.ratio is None
    assert summary.time_to_resolve.median_seconds is None
    assert summary.oldest_overdue == []
    assert summary.departments == []
    assert len(summary.trend) == 30
    assert summary.trend[-1].day == TODAY
    assert summary.trend[0].day == TODAY - 29 * DAY
    assert (summary.today, summary.month_start) == (TODAY, date(2026, 11, 1))
    assert not board.knows("WASA-LHR")
    with pytest.raises(UnknownDepartmentError):
        board.summary(NOW, "WASA-LHR")


def test_open_overdue_and_paused_per_department_and_for_the_system() -> None:
    board = _board(
        clock("A1", resolution_due_at=NOW - HOUR),
        clock("A2", resolution_due_at=NOW + HOUR, running_since=None),
        clock("A3", resolution_due_at=None),
        stopped("A4", NOW - HOUR, resolution_due_at=NOW - 2 * HOUR),
        clock("B1", department_code="LESCO", resolution_due_at=NOW - DAY, running_since=None),
        clock("U1", department_code=None, resolution_due_at=None),
    )
    wasa = board.summary(NOW, "WASA-LHR")
    assert (wasa.open, wasa.overdue, wasa.paused) == (3, 1, 1)
    lesco = board.summary(NOW, "LESCO")
    assert (lesco.open, lesco.overdue, lesco.paused) == (1, 1, 1)  # paused stays overdue
    system = board.summary(NOW)
    assert (system.open, system.overdue, system.paused) == (5, 2, 2)
    assert board.departments() == ["LESCO", "WASA-LHR", UNROUTED]
    assert board.summary(NOW, UNROUTED).open == 1


def test_overdue_from_the_due_moment_on_as_the_clock_record_says() -> None:
    due = clock("A1", resolution_due_at=NOW)
    board = _board(due)
    assert due.overdue_at(NOW)
    assert board.summary(NOW).overdue == 1
    assert board.summary(NOW - timedelta(milliseconds=1)).overdue == 0


def test_a_newer_clock_replaces_an_older_one_and_an_older_one_is_ignored() -> None:
    board = BoardProjection()
    assert board.apply(clock("A1", case_version=2, resolution_due_at=NOW - HOUR))
    assert not board.apply(clock("A1", case_version=1, resolution_due_at=NOW + HOUR))
    assert not board.apply(clock("A1", case_version=2, resolution_due_at=NOW + HOUR))
    assert board.summary(NOW).overdue == 1
    # the same case version with a later generation: the due time moved
    assert board.apply(clock("A1", case_version=2, generation=2, resolution_due_at=NOW + HOUR))
    assert board.summary(NOW).overdue == 0
    assert board.version_of("A1") == (2, 2)
    assert board.version_of("nope") is None


def test_a_transfer_moves_the_request_and_its_activity_to_the_new_department() -> None:
    acted = NOW - HOUR
    board = _board(
        clock("A1", resolution_due_at=NOW - HOUR, last_staff_action_at=acted),
        clock("A2", last_staff_action_at=NOW - DAY),
    )
    assert board.summary(NOW, "WASA-LHR").last_staff_action_at == acted
    board.apply(
        clock(
            "A1",
            department_code="LESCO",
            case_version=2,
            resolution_due_at=NOW - HOUR,
            last_staff_action_at=acted,
        )
    )
    wasa, lesco = board.summary(NOW, "WASA-LHR"), board.summary(NOW, "LESCO")
    assert (wasa.open, wasa.overdue, lesco.open, lesco.overdue) == (1, 0, 1, 1)
    assert wasa.last_staff_action_at == NOW - DAY  # the latest held, not the latest ever
    assert lesco.last_staff_action_at == acted
    assert board.summary(NOW).last_staff_action_at == acted


def test_a_reopen_takes_the_request_out_of_this_months_figures_and_back_into_the_backlog() -> None:
    due = NOW - DAY
    board = _board(stopped("A1", NOW - 2 * DAY, resolution_due_at=due))
    assert board.summary(NOW).compliance.stopped == 1
    board.apply(clock("A1", case_version=5, resolution_due_at=due))
    summary = board.summary(NOW)
    assert (summary.compliance.stopped, summary.open, summary.overdue) == (0, 1, 1)
    assert summary.time_to_resolve.resolved == 0


def test_compliance_counts_a_stop_at_the_due_time_as_on_time_and_skips_clocks_without_target() -> (
    None
):
    due = NOW - DAY
    board = _board(
        stopped("A1", due, resolution_due_at=due),
        stopped("A2", due + timedelta(milliseconds=1), resolution_due_at=due),
        stopped("A3", due - HOUR, resolution_due_at=due),
        stopped("A4", due, resolution_due_at=None),
    )
    compliance = board.summary(NOW).compliance
    assert (compliance.stopped, compliance.on_time, compliance.without_target) == (4, 2, 1)
    assert compliance.ratio == pytest.approx(2 / 3)


def test_this_month_is_the_calendar_month_in_karachi_not_in_utc() -> None:
    now = karachi(date(2026, 11, 3), 12)
    # 1 November 01:00 in Karachi is still 31 October in UTC: it is this month's.
    early = karachi(date(2026, 11, 1), 1)
    # 31 October 23:30 in Karachi: last month's, though only an hour and a half before.
    late = karachi(date(2026, 10, 31), 23, 30)
    assert early.month == 10
    board = _board(
        stopped("A1", early, submitted_at=early - 3 * HOUR, resolution_due_at=early),
        stopped("A2", late, submitted_at=late - 3 * HOUR, resolution_due_at=late),
    )
    summary = board.summary(now)
    assert summary.compliance.stopped == 1
    assert summary.time_to_resolve.resolved == 1
    assert summary.time_to_resolve.median_seconds == 3 * 3600


def test_time_to_resolve_is_wall_time_from_submission_to_stop_with_interpolated_quantiles() -> None:
    stop = NOW - HOUR
    board = _board(
        *(stopped(f"A{n}", stop, submitted_at=stop - n * HOUR) for n in (1, 2, 3, 4)),
        stopped("B1", stop, submitted_at=stop - 100 * HOUR, department_code="LESCO"),
    )
    wasa = board.summary(NOW, "WASA-LHR").time_to_resolve
    assert (wasa.resolved, wasa.median_seconds) == (4, 2.5 * 3600)
    assert wasa.p90_seconds == pytest.approx(3.7 * 3600)
    system = board.summary(NOW).time_to_resolve
    assert (system.resolved, system.median_seconds) == (5, 3 * 3600)


def test_quantile_interpolates_between_ranks() -> None:
    assert quantile([], 0.5) is None
    assert quantile([7.0], 0.9) == 7.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([float(n) for n in range(1, 11)], 0.9) == pytest.approx(9.1)
    assert quantile([1.0, 2.0], 1.0) == 2.0


def test_breaches_today_are_due_today_up_to_now_and_not_stopped_before_due() -> None:
    morning = karachi(TODAY, 7)  # NOW is 09:00 in Karachi
    board = _board(
        clock("open-past-due", resolution_due_at=morning),
        clock("open-due-later-today", resolution_due_at=karachi(TODAY, 15)),
        stopped("stopped-late", NOW, resolution_due_at=morning),
        stopped("stopped-in-time", morning - HOUR, resolution_due_at=morning),
        clock("due-yesterday", resolution_due_at=karachi(TODAY - DAY, 23, 59)),
        clock("due-at-midnight", resolution_due_at=karachi(TODAY)),
    )
    assert board.summary(NOW).breaches_today == 3  # open-past-due, stopped-late, midnight
    assert board.summary(karachi(TODAY, 16)).breaches_today == 4


def test_the_trend_counts_each_local_day_and_the_overdue_backlog_at_its_end() -> None:
    two_days_ago = TODAY - 2 * DAY
    board = _board(
        # submitted two days ago at 23:00 Karachi (18:00 UTC), due yesterday noon, still open
        clock(
            "A1",
            submitted_at=karachi(two_days_ago, 23),
            resolution_due_at=karachi(TODAY - DAY, 12),
        ),
        # due two days ago, stopped late yesterday: overdue at the end of two days ago only
        stopped(
            "A2",
            karachi(TODAY - DAY, 10),
            submitted_at=karachi(two_days_ago, 1),
            resolution_due_at=karachi(two_days_ago, 9),
        ),
        # stopped in time today
        stopped("A3", karachi(TODAY, 8), submitted_at=karachi(TODAY, 1)),
    )
    trend = {day.day: day for day in board.summary(NOW).trend}
    assert (trend[two_days_ago].submitted, trend[two_days_ago].stopped) == (2, 0)
    assert (trend[two_days_ago].breached, trend[two_days_ago].overdue_at_end) == (1, 1)
    yesterday = trend[TODAY - DAY]
    assert (yesterday.submitted, yesterday.stopped, yesterday.breached) == (0, 1, 1)
    assert yesterday.overdue_at_end == 1  # A1 (A2 stopped during the day)
    today = trend[TODAY]
    assert (today.submitted, today.stopped, today.breached, today.overdue_at_end) == (1, 1, 0, 1)
    assert trend[TODAY - 3 * DAY].overdue_at_end == 0


def test_the_oldest_overdue_are_ordered_by_how_late_across_departments_and_limited() -> None:
    board = _board(
        *(clock(f"A{n}", resolution_due_at=NOW - n * HOUR) for n in range(1, 8)),
        clock("B1", department_code="LESCO", resolution_due_at=NOW - 5.5 * HOUR),
        clock("C1", resolution_due_at=NOW + HOUR),
    )
    oldest = board.summary(NOW, oldest=3).oldest_overdue
    assert [(c.request_id, c.department, c.overdue_seconds) for c in oldest] == [
        ("A7", "WASA-LHR", 7 * 3600),
        ("A6", "WASA-LHR", 6 * 3600),
        ("B1", "LESCO", 5.5 * 3600),
    ]
    assert oldest[0].due_at == NOW - 7 * HOUR
    assert [c.request_id for c in board.summary(NOW, "LESCO").oldest_overdue] == ["B1"]
    assert len(board.oldest_overdue(NOW)) == 8


def test_escalations_count_open_requests_by_their_level() -> None:
    board = _board(
        clock("A1", escalation_level=1),
        clock("A2", escalation_level=1),
        clock("A3", escalation_level=3),
        clock("A4", escalation_level=0),
        stopped("A5", NOW - HOUR, escalation_level=2),
    )
    assert board.summary(NOW).escalations == {1: 2, 3: 1}


def test_department_lines_give_each_departments_backlog_for_the_gauges() -> None:
    board = _board(
        clock("A1", resolution_due_at=NOW - 3 * HOUR, last_staff_action_at=NOW - DAY),
        clock("A2", resolution_due_at=NOW - HOUR),
        clock("U1", department_code=None),
    )
    lines = {line.department: line for line in board.department_lines(NOW)}
    wasa, unrouted = lines["WASA-LHR"], lines[UNROUTED]
    assert (wasa.open, wasa.overdue, wasa.oldest_overdue_seconds) == (2, 2, 3 * 3600)
    assert wasa.last_staff_action_at == NOW - DAY
    assert (unrouted.open, unrouted.overdue, unrouted.oldest_overdue_seconds) == (1, 0, 0.0)
    assert unrouted.last_staff_action_at is None


def test_a_load_replaces_what_was_there() -> None:
    board = _board(clock("A1"), clock("B1", department_code="LESCO"))
    board.load([clock("C1", department_code="PHA"), clock("C1", case_version=0)])
    assert board.departments() == ["PHA"]
    assert len(board) == 1
    assert board.version_of("C1") == (1, 1)


def test_a_naive_datetime_is_read_as_utc() -> None:
    naive_due = (NOW - HOUR).replace(tzinfo=None)
    board = _board(clock("A1", resolution_due_at=naive_due))
    assert board.summary(NOW).oldest_overdue[0].overdue_seconds == 3600
