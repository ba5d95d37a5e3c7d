"""How lifecycle events move a request's SLA clock, on real calendars and policy books.

Expected times are worked out by hand from the office week (Mon-Thu 09:00-17:00, Friday
09:00-12:30, Karachi) rather than with the calendar under test; the calendar's own
arithmetic is only used to state properties (e.g. "the business time paused").
Policies (examples.py): normal 4 h / 2 days (16 office hours), urgent 1 h / 4 h,
low 1 day / 5 days (40 office hours), high = normal's targets with another ladder.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from nigrani_shared.events import Actor, RequestRoutedV1
from nigrani_sla.clock import transitions
from nigrani_sla.clock.record import ClockRecord
from nigrani_sla.clock.transitions import STOPPED_STATES, Change, elapsed_at

from tests.unit.sla.clock.examples import (
    ALWAYS,
    ANNEX,
    ANNEX_DEPARTMENT,
    CITIZEN,
    HOUR,
    OFFICE,
    OFFICE_DEPARTMENT,
    OTHER_OFFICE_DEPARTMENT,
    ROUND_THE_CLOCK_DEPARTMENT,
    RULES,
    STAFF,
    SYSTEM,
    WATER_CATEGORY,
    apply,
    change,
    claimed,
    escalation,
    karachi,
    routed_clock,
    routing,
    submission,
)

MONDAY = karachi(2026, 1, 5, 9)  # the office opens
WALL_HOUR = dt.timedelta(hours=1)


def _step(
    record: ClockRecord, action: str, to_state: str, at: dt.datetime, **kwargs: Any
) -> Change:
    return transitions.case_changed(record, change(record, action, to_state, at, **kwargs), RULES)


# -- the start -----------------------------------------------------------------------


def test_the_clock_starts_running_at_submission_on_the_default_calendar() -> None:
    record = transitions.started(submission(MONDAY), RULES)
    assert record.running_since == MONDAY
    assert record.banked_seconds == 0
    assert (record.calendar, record.priority, record.policy_id) == ("office", "normal", "standard")
    assert record.department_code is None
    assert record.state == "submitted"
    assert record.case_version == 0
    assert record.generation == 1
    assert record.open
    assert not record.paused
    assert record.first_response_due_at == karachi(2026, 1, 5, 13)
    assert record.resolution_due_at == karachi(2026, 1, 6, 17)


def test_a_submission_at_2359_on_a_holiday_eve_counts_from_the_next_opening() -> None:
    # Wednesday 4 February 23:59; Thursday 5 February is Kashmir Solidarity Day.
    record = transitions.started(submission(karachi(2026, 2, 4, 23, 59)), RULES)
    # Friday 09:00-12:30 gives 3.5 hours, the rest on Monday 9 February.
    assert record.first_response_due_at == karachi(2026, 2, 9, 9, 30)
    # 16 hours: Friday 3.5, Monday 8, Tuesday 4.5.
    assert record.resolution_due_at == karachi(2026, 2, 10, 13, 30)
    assert elapsed_at(record, OFFICE, karachi(2026, 2, 6, 9)) == 0


def test_a_submission_on_a_weekend_counts_from_monday_morning() -> None:
    record = transitions.started(submission(karachi(2026, 1, 10, 11)), RULES)  # Saturday
    assert record.first_response_due_at == karachi(2026, 1, 12, 13)
    assert elapsed_at(record, OFFICE, karachi(2026, 1, 11, 23)) == 0


# -- routing -------------------------------------------------------------------------


def test_routing_on_the_same_calendar_and_priority_sets_nothing_new() -> None:
    started = transitions.started(submission(MONDAY), RULES)
    routed_at = MONDAY + 2 * WALL_HOUR
    result = transitions.routed(started, routing(routed_at), RULES)
    assert result.cause is None
    assert result.record.generation == started.generation
    assert result.record.resolution_due_at == started.resolution_due_at
    assert result.record.first_response_due_at == started.first_response_due_at
    assert result.record.department_code == OFFICE_DEPARTMENT
    assert (result.record.state, result.record.case_version) == ("routed", 1)
    assert result.record.routed_at == routed_at
    assert result.record.running_since == MONDAY  # still measured from the submission


def test_routing_to_another_calendar_re_measures_from_the_submission() -> None:
    started = transitions.started(submission(MONDAY), RULES)
    routed_at = MONDAY + 3 * WALL_HOUR
    result = transitions.routed(
        started, routing(routed_at, department=ROUND_THE_CLOCK_DEPARTMENT), RULES
    )
    record = result.record
    assert result.cause == "routed"
    assert record.generation == started.generation + 1
    assert record.calendar == ALWAYS.name
    assert (record.running_since, record.banked_seconds) == (MONDAY, 0)
    # "2 days" on a calendar that never closes is 48 wall hours, from the submission.
    assert record.resolution_target_seconds == 48 * HOUR
    assert record.resolution_due_at == MONDAY + 48 * WALL_HOUR
    assert record.first_response_due_at == MONDAY + 4 * WALL_HOUR
    assert elapsed_at(record, ALWAYS, routed_at) == 3 * HOUR


def test_routing_with_a_priority_takes_that_policy_from_the_submission() -> None:
    started = transitions.started(submission(MONDAY), RULES)
    result = transitions.routed(started, routing(MONDAY + WALL_HOUR, priority="urgent"), RULES)
    assert result.cause == "routed"
    assert result.record.policy_id == "urgent"
    assert result.record.first_response_due_at == karachi(2026, 1, 5, 10)
    assert result.record.resolution_due_at == karachi(2026, 1, 5, 13)


def test_routing_late_is_overdue_at_once_when_the_department_target_has_passed() -> None:
    started = transitions.started(submission(MONDAY), RULES)
    routed_at = karachi(2026, 1, 8, 12)  # Thursday: 75 wall hours later
    record = transitions.routed(
        started, routing(routed_at, department=ROUND_THE_CLOCK_DEPARTMENT), RULES
    ).record
    assert record.resolution_due_at == MONDAY + 48 * WALL_HOUR
    assert record.overdue_at(routed_at)


# -- pause and resume ----------------------------------------------------------------


def test_awaiting_the_citizen_pauses_the_clock_and_banks_the_business_time() -> None:
    before = claimed(MONDAY, MONDAY + WALL_HOUR, priority="low")
    paused_at = karachi(2026, 1, 6, 15)  # Tuesday: 8 + 6 office hours since Monday 09:00
    result = _step(before, "request_information", "awaiting_citizen", paused_at)
    record = result.record
    assert result.cause == "paused"
    assert record.generation == before.generation + 1
    assert record.paused
    assert record.open
    assert record.running_since is None
    assert record.banked_seconds == 14 * HOUR
    assert record.resolution_due_at is None  # unknown while the clock stands still
    for later in (paused_at, karachi(2026, 1, 7, 12), karachi(2026, 2, 1)):
        assert elapsed_at(record, OFFICE, later) == 14 * HOUR
    assert not record.overdue_at(karachi(2026, 3, 1))


def test_the_citizens_answer_moves_the_due_time_by_exactly_the_paused_business_time() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR, priority="low")
    # 40 office hours from Monday 09:00: Mon-Thu 32, Friday 3.5, Monday 12th 4.5.
    assert record.resolution_due_at == karachi(2026, 1, 12, 13, 30)
    paused_at, resumed_at = karachi(2026, 1, 6, 15), karachi(2026, 1, 7, 10)
    record = apply(
        record,
        ("request_information", "awaiting_citizen", paused_at),
    )
    result = transitions.case_changed(
        record,
        change(record, "add_information", "in_progress", resumed_at, actor=CITIZEN),
        RULES,
    )
    assert result.cause == "resumed"
    assert result.record.generation == record.generation + 1
    assert result.record.running_since == resumed_at
    assert result.record.banked_seconds == 14 * HOUR
    # Paused Tuesday 15:00-17:00 and Wednesday 09:00-10:00: three business hours.
    assert OFFICE.between(paused_at, resumed_at) == 3 * HOUR
    assert result.record.resolution_due_at == karachi(2026, 1, 12, 16, 30)


def test_a_pause_over_a_night_and_a_weekend_moves_the_due_time_by_business_time_only() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR, priority="low")
    original = record.resolution_due_at
    paused_at, resumed_at = karachi(2026, 1, 8, 16), karachi(2026, 1, 12, 10)  # Thu -> Mon
    record = apply(
        record,
        ("request_information", "awaiting_citizen", paused_at),
        ("add_information", "in_progress", resumed_at),
    )
    paused_business = OFFICE.between(paused_at, resumed_at)
    assert paused_business == 5.5 * HOUR  # Thu 16-17, Fri 09-12:30, Mon 09-10
    assert (resumed_at - paused_at).total_seconds() == 90 * HOUR  # the wall time
    # Monday 13:30 plus 5.5 office hours: 3.5 on Monday, 2 on Tuesday.
    assert record.resolution_due_at == karachi(2026, 1, 13, 11)
    assert original is not None
    assert record.resolution_due_at == OFFICE.add(original, paused_business)


def test_a_pause_over_a_public_holiday_does_not_count_the_holiday() -> None:
    start = karachi(2026, 2, 2, 9)  # Monday; Thursday 5 February is a holiday
    record = claimed(start, start + WALL_HOUR, priority="low")
    # 40 hours: Mon-Wed 24, Friday 3.5, Monday 8, Tuesday 10th 4.5.
    assert record.resolution_due_at == karachi(2026, 2, 10, 13, 30)
    record = apply(
        record,
        ("request_information", "awaiting_citizen", karachi(2026, 2, 4, 16)),
        ("add_information", "in_progress", karachi(2026, 2, 6, 10)),
    )
    assert record.resolution_due_at == karachi(2026, 2, 10, 15, 30)  # 2 hours later


def test_a_pause_wholly_in_closed_time_leaves_the_due_time_where_it_was() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR, priority="low")
    original = record.resolution_due_at
    paused = apply(record, ("request_information", "awaiting_citizen", karachi(2026, 1, 10, 10)))
    resumed = apply(paused, ("add_information", "in_progress", karachi(2026, 1, 10, 18)))
    assert resumed.resolution_due_at == original
    assert resumed.generation == record.generation + 2  # paused, then running again


def test_repeated_pauses_add_up() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR, priority="low")
    pauses = [
        (karachi(2026, 1, 6, 15), karachi(2026, 1, 7, 10)),  # 3 business hours
        (karachi(2026, 1, 7, 16), karachi(2026, 1, 8, 9, 30)),  # 1.5
        (karachi(2026, 1, 9, 12), karachi(2026, 1, 12, 9)),  # 0.5 (Friday closes 12:30)
    ]
    due = record.resolution_due_at
    assert due is not None
    for paused_at, resumed_at in pauses:
        record = apply(
            record,
            ("request_information", "awaiting_citizen", paused_at),
            ("add_information", "in_progress", resumed_at),
        )
        due = OFFICE.add(due, OFFICE.between(paused_at, resumed_at))
        assert record.resolution_due_at == due
    # Monday 13:30 plus 5 office hours: 3.5 on Monday, 1.5 on Tuesday.
    assert record.resolution_due_at == karachi(2026, 1, 13, 10, 30)
    assert elapsed_at(record, OFFICE, karachi(2026, 1, 13, 10, 30)) == 40 * HOUR


def test_a_pause_while_overdue_keeps_the_passed_due_time() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    due = karachi(2026, 1, 6, 17)  # Tuesday: 16 office hours
    assert record.resolution_due_at == due
    paused_at = karachi(2026, 1, 7, 10)  # an office hour overdue
    result = _step(record, "request_information", "awaiting_citizen", paused_at)
    assert result.record.resolution_due_at == due
    assert result.record.paused
    assert result.record.overdue_at(karachi(2026, 1, 7, 12))
    assert result.record.banked_seconds == 17 * HOUR
    assert result.cause == "paused"  # the due stays, but the clock stopped running
    assert result.record.generation == record.generation + 1
    resumed = apply(result.record, ("add_information", "in_progress", karachi(2026, 1, 8, 10)))
    assert resumed.resolution_due_at == due
    assert resumed.overdue_at(karachi(2026, 1, 8, 10))


def test_staff_resuming_or_a_transfer_out_of_awaiting_citizen_restarts_the_clock() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR, priority="low")
    paused = apply(record, ("request_information", "awaiting_citizen", karachi(2026, 1, 6, 15)))
    resumed_at = karachi(2026, 1, 7, 10)
    by_staff = _step(paused, "resume", "in_progress", resumed_at)
    transferred = _step(
        paused, "transfer", "routed", resumed_at, department=OTHER_OFFICE_DEPARTMENT
    )
    for result in (by_staff, transferred):
        assert result.cause == "resumed"
        assert result.record.running_since == resumed_at
        assert result.record.resolution_due_at == karachi(2026, 1, 12, 16, 30)


def test_a_change_that_stays_in_awaiting_citizen_keeps_the_clock_paused() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    paused = apply(record, ("request_information", "awaiting_citizen", karachi(2026, 1, 5, 11)))
    for action in ("assign", "note"):
        result = _step(paused, action, "awaiting_citizen", karachi(2026, 1, 6, 12))
        assert result.cause is None
        assert result.record.paused
        assert result.record.generation == paused.generation
        assert result.record.banked_seconds == paused.banked_seconds


# -- stop and compliance -------------------------------------------------------------


@pytest.mark.parametrize("to_state", sorted(STOPPED_STATES))
def test_every_final_state_stops_the_clock_and_keeps_the_due_time(to_state: str) -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    stopped_at = karachi(2026, 1, 6, 11)  # Tuesday: 10 office hours
    result = _step(record, "stop", to_state, stopped_at)
    stopped = result.record
    assert result.cause == "stopped"
    assert stopped.generation == record.generation + 1
    assert not stopped.open
    assert not stopped.paused
    assert (stopped.stopped_at, stopped.first_stopped_at) == (stopped_at, stopped_at)
    assert stopped.running_since is None
    assert stopped.banked_seconds == 10 * HOUR
    assert stopped.resolution_due_at == record.resolution_due_at  # compliance judged by it
    assert elapsed_at(stopped, OFFICE, karachi(2026, 2, 1)) == 10 * HOUR
    assert not stopped.overdue_at(karachi(2026, 2, 1))  # a stopped clock is never overdue


def test_resolved_in_time_and_resolved_late_keep_their_due_times() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    due = karachi(2026, 1, 6, 17)
    on_time = apply(record, ("resolve", "resolved", karachi(2026, 1, 6, 16, 59)))
    late = apply(record, ("resolve", "resolved", karachi(2026, 1, 7, 9, 30)))
    assert on_time.resolution_due_at == late.resolution_due_at == due
    assert on_time.stopped_at is not None
    assert on_time.stopped_at < due
    assert late.stopped_at is not None
    assert late.stopped_at > due
    assert on_time.banked_seconds < on_time.resolution_target_seconds
    assert late.banked_seconds == 16.5 * HOUR


def test_a_stop_of_an_unanswered_request_keeps_its_first_response_due_time() -> None:
    record = routed_clock(MONDAY)
    # The pure rule, whatever the workflow allows: a system closing with no staff reply.
    stopped = _step(record, "lapse", "closed", karachi(2026, 1, 5, 15), actor=SYSTEM).record
    assert stopped.first_response_at is None
    assert stopped.first_response_due_at == karachi(2026, 1, 5, 13)


def test_moving_between_final_states_moves_nothing() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    resolved = apply(record, ("resolve", "resolved", karachi(2026, 1, 6, 11)))
    for action, to_state, actor in (
        ("confirm", "closed", CITIZEN),
        ("lapse_confirmation", "closed_unconfirmed", SYSTEM),
        ("note", "resolved", STAFF),
    ):
        result = _step(resolved, action, to_state, karachi(2026, 1, 9, 10), actor=actor)
        assert result.cause is None
        assert result.record.generation == resolved.generation
        assert result.record.stopped_at == resolved.stopped_at
        assert result.record.banked_seconds == resolved.banked_seconds
        assert result.record.resolution_due_at == resolved.resolution_due_at
        assert result.record.state == to_state


def test_a_stop_while_paused_banks_nothing_more() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR, priority="low")
    paused = apply(record, ("request_information", "awaiting_citizen", karachi(2026, 1, 6, 15)))
    result = _step(paused, "reject", "rejected", karachi(2026, 1, 9, 10))
    assert result.cause == "stopped"
    assert not result.record.open
    assert result.record.banked_seconds == 14 * HOUR
    assert result.record.stopped_at == karachi(2026, 1, 9, 10)


# -- reopen --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "final"),
    [("reopen", "resolved"), ("dispute", "resolved"), ("reopen", "closed")],
)
def test_a_reopen_resumes_the_same_clock_with_the_time_that_was_left(
    action: str, final: str
) -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    resolved_at = karachi(2026, 1, 6, 11)  # 10 of 16 hours used
    stopped = apply(record, ("resolve", "resolved", resolved_at))
    if final == "closed":
        stopped = apply(stopped, ("confirm", "closed", karachi(2026, 1, 7, 9)))
    reopened_at = karachi(2026, 1, 8, 10)
    result = _step(stopped, action, "assigned", reopened_at, actor=CITIZEN)
    reopened = result.record
    assert result.cause == "reopened"
    assert reopened.generation == stopped.generation + 1
    assert reopened.open
    assert not reopened.paused
    assert reopened.stopped_at is None
    assert reopened.first_stopped_at == resolved_at  # the first resolution is history
    assert (reopened.running_since, reopened.banked_seconds) == (reopened_at, 10 * HOUR)
    assert reopened.resolution_due_at == karachi(2026, 1, 8, 16)  # 6 hours left
    assert elapsed_at(reopened, OFFICE, karachi(2026, 1, 8, 16)) == 16 * HOUR


def test_a_reopen_of_an_overdue_request_is_overdue_at_once() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    due = karachi(2026, 1, 6, 17)
    stopped = apply(record, ("resolve", "resolved", karachi(2026, 1, 7, 12)))
    reopened_at = karachi(2026, 1, 12, 10)
    reopened = apply(stopped, ("reopen", "assigned", reopened_at))
    assert reopened.resolution_due_at == due
    assert reopened.overdue_at(reopened_at)
    assert reopened.banked_seconds == 19 * HOUR


def test_a_reopen_after_a_stop_while_paused_resumes_with_the_time_that_was_left() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    record = apply(
        record,
        ("request_information", "awaiting_citizen", karachi(2026, 1, 5, 15)),  # 6 h used
        ("reject", "rejected", karachi(2026, 1, 7, 10)),
    )
    reopened = apply(record, ("reopen", "assigned", karachi(2026, 1, 8, 9)))
    assert reopened.banked_seconds == 6 * HOUR
    assert reopened.resolution_due_at == karachi(2026, 1, 9, 11)  # Thu 8 h, Fri 2 h


def test_a_second_resolution_keeps_the_first_and_adds_the_reopened_time() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR, priority="low")
    first = karachi(2026, 1, 6, 11)
    record = apply(
        record,
        ("resolve", "resolved", first),
        ("reopen", "assigned", karachi(2026, 1, 8, 10)),
        ("start", "in_progress", karachi(2026, 1, 8, 11)),
        ("resolve", "resolved", karachi(2026, 1, 8, 14)),
    )
    assert record.first_stopped_at == first
    assert record.stopped_at == karachi(2026, 1, 8, 14)
    assert record.banked_seconds == 14 * HOUR  # 10 before, 4 after the reopen


# -- priority changes ----------------------------------------------------------------


def test_a_tighter_target_already_exceeded_is_due_at_once() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    changed_at = karachi(2026, 1, 5, 15)  # 6 office hours; urgent resolves in 4
    result = _step(record, "change_priority", record.state, changed_at, priority="urgent")
    changed = result.record
    assert result.cause == "priority_changed"
    assert changed.generation == record.generation + 1
    assert changed.policy_id == "urgent"
    assert changed.resolution_target_seconds == 4 * HOUR
    assert changed.resolution_due_at == karachi(2026, 1, 5, 13)  # when 4 hours were reached
    assert changed.overdue_at(changed_at)
    assert (changed.running_since, changed.banked_seconds) == (MONDAY, 0)  # the clock stands


def test_a_tighter_target_exceeded_while_paused_is_due_at_the_change() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    paused = apply(record, ("request_information", "awaiting_citizen", karachi(2026, 1, 5, 15)))
    changed_at = karachi(2026, 1, 6, 10)
    changed = _step(paused, "change_priority", paused.state, changed_at, priority="urgent").record
    assert changed.resolution_due_at == changed_at
    assert changed.overdue_at(changed_at)
    resumed = apply(changed, ("add_information", "in_progress", karachi(2026, 1, 7, 10)))
    assert resumed.resolution_due_at == changed_at  # passed, so it stays


def test_a_tighter_target_not_yet_reached_brings_the_due_time_forward() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    changed = _step(
        record, "change_priority", record.state, karachi(2026, 1, 5, 10), priority="urgent"
    ).record
    assert changed.resolution_due_at == karachi(2026, 1, 5, 13)
    assert not changed.overdue_at(karachi(2026, 1, 5, 12, 59))


def test_a_looser_target_gives_a_later_due_time_and_the_elapsed_time_stands() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    changed_at = karachi(2026, 1, 5, 15)
    result = _step(record, "change_priority", record.state, changed_at, priority="low")
    assert result.cause == "priority_changed"
    assert result.record.resolution_due_at == karachi(2026, 1, 12, 13, 30)
    assert elapsed_at(result.record, OFFICE, changed_at) == 6 * HOUR


def test_a_looser_target_moves_a_passed_due_time_to_when_the_new_target_is_reached() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    changed_at = karachi(2026, 1, 7, 10)  # overdue since Tuesday 17:00
    assert record.overdue_at(changed_at)
    changed = _step(record, "change_priority", record.state, changed_at, priority="low").record
    assert changed.resolution_due_at == karachi(2026, 1, 12, 13, 30)
    assert not changed.overdue_at(changed_at)


def test_a_priority_change_while_paused_sets_targets_used_on_resumption() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    paused = apply(record, ("request_information", "awaiting_citizen", karachi(2026, 1, 5, 11)))
    changed = _step(paused, "change_priority", paused.state, karachi(2026, 1, 6, 9), priority="low")
    assert changed.record.resolution_target_seconds == 40 * HOUR
    assert changed.record.resolution_due_at is None
    assert changed.record.paused
    resumed = apply(changed.record, ("add_information", "in_progress", karachi(2026, 1, 6, 9)))
    # 2 hours used, 38 left from Tuesday 09:00: Tue-Thu 24, Fri 3.5, Mon 8, Tue 2.5.
    assert resumed.resolution_due_at == karachi(2026, 1, 13, 11, 30)


def test_a_priority_change_within_one_policy_sets_nothing_new() -> None:
    """The category's own policy covers every priority: the change is recorded, and no
    new generation is made (nothing to announce, no timers to plan)."""
    record = claimed(MONDAY, MONDAY + WALL_HOUR, category=WATER_CATEGORY)
    assert record.policy_id == "water"
    result = _step(
        record, "change_priority", record.state, karachi(2026, 1, 5, 11), priority="urgent"
    )
    assert result.cause is None
    assert result.record.priority == "urgent"
    assert result.record.generation == record.generation
    assert result.record.resolution_due_at == record.resolution_due_at


# -- first response ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "to_state"),
    [
        ("claim", "assigned"),
        ("assign", "assigned"),
        ("start", "in_progress"),
        ("request_information", "awaiting_citizen"),
        ("resolve", "resolved"),
        ("reject", "rejected"),
    ],
)
def test_a_staff_response_meets_the_first_response_target(action: str, to_state: str) -> None:
    record = routed_clock(MONDAY)
    at = karachi(2026, 1, 5, 11)
    result = _step(record, action, to_state, at)
    assert result.record.first_response_at == at
    assert result.record.first_response_due_at is None
    assert result.record.generation == record.generation + 1
    assert result.cause is not None


def test_the_first_response_keeps_the_resolution_due_time_and_moves_the_generation() -> None:
    record = routed_clock(MONDAY)
    result = _step(record, "claim", "assigned", karachi(2026, 1, 5, 11))
    assert result.cause == "responded"
    assert result.record.resolution_due_at == record.resolution_due_at
    assert result.record.last_staff_action_at == karachi(2026, 1, 5, 11)


def test_a_public_note_from_staff_is_a_response_and_an_internal_one_is_not() -> None:
    record = routed_clock(MONDAY)
    at = karachi(2026, 1, 5, 11)
    internal = _step(record, "note", "routed", at, internal_note="called the contractor")
    assert internal.record.first_response_at is None
    assert internal.cause is None
    public = _step(record, "note", "routed", at, public_note="A crew is on its way")
    assert public.record.first_response_at == at
    assert public.cause == "responded"


@pytest.mark.parametrize(
    ("action", "to_state", "actor"),
    [
        ("transfer", "routed", STAFF),
        ("note", "routed", STAFF),
        ("change_priority", "routed", STAFF),
        ("add_information", "routed", CITIZEN),
        ("lapse_confirmation", "routed", SYSTEM),
    ],
)
def test_other_actions_are_not_a_first_response(action: str, to_state: str, actor: Actor) -> None:
    record = routed_clock(MONDAY)
    result = _step(record, action, to_state, karachi(2026, 1, 5, 11), actor=actor)
    assert result.record.first_response_at is None
    assert result.record.first_response_due_at == record.first_response_due_at


def test_a_citizens_public_note_is_not_a_response() -> None:
    record = routed_clock(MONDAY)
    result = _step(
        record, "note", "routed", karachi(2026, 1, 5, 11), actor=CITIZEN, public_note="Still here"
    )
    assert result.record.first_response_at is None


def test_only_the_first_response_counts() -> None:
    record = routed_clock(MONDAY)
    first = karachi(2026, 1, 5, 11)
    record = apply(record, ("claim", "assigned", first))
    later = _step(record, "start", "in_progress", karachi(2026, 1, 5, 12))
    assert later.record.first_response_at == first
    assert later.cause is None
    assert later.record.generation == record.generation


def test_a_late_first_response_still_clears_the_passed_due_time() -> None:
    record = routed_clock(MONDAY)
    at = karachi(2026, 1, 6, 10)  # the 4-hour target passed on Monday 13:00
    result = _step(record, "claim", "assigned", at)
    assert result.record.first_response_at == at
    assert result.record.first_response_due_at is None


# -- notes, transfers, reassignments and escalations -------------------------------


def test_a_note_moves_nothing() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    result = _step(record, "note", record.state, karachi(2026, 1, 6, 16), internal_note="x")
    assert result.cause is None
    assert result.record.generation == record.generation
    assert result.record.resolution_due_at == record.resolution_due_at
    assert (result.record.running_since, result.record.banked_seconds) == (
        record.running_since,
        record.banked_seconds,
    )
    assert result.record.case_version == record.case_version + 1
    assert result.record.last_staff_action_at == karachi(2026, 1, 6, 16)


@pytest.mark.parametrize("department", [OTHER_OFFICE_DEPARTMENT, ROUND_THE_CLOCK_DEPARTMENT])
def test_a_transfer_changes_the_department_and_nothing_else(department: str) -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    result = _step(record, "transfer", "routed", karachi(2026, 1, 6, 10), department=department)
    assert result.cause is None
    assert result.record.department_code == department
    assert result.record.calendar == OFFICE.name  # the clock keeps its calendar
    assert result.record.generation == record.generation
    assert result.record.resolution_due_at == record.resolution_due_at
    assert result.record.banked_seconds == record.banked_seconds
    assert result.record.state == "routed"


def test_a_reassignment_moves_nothing() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    result = _step(record, "assign", record.state, karachi(2026, 1, 6, 10))
    assert result.cause is None
    assert result.record.generation == record.generation
    assert result.record.resolution_due_at == record.resolution_due_at


def test_an_escalation_raises_the_level_and_moves_nothing() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    at = karachi(2026, 1, 8, 10)
    raised = transitions.case_changed(record, escalation(record, 2, at), RULES)
    assert raised.cause is None
    assert raised.record.escalation_level == 2
    assert raised.record.resolution_due_at == record.resolution_due_at
    assert raised.record.last_staff_action_at == record.last_staff_action_at  # not staff
    lower = transitions.case_changed(raised.record, escalation(raised.record, 1, at), RULES)
    assert lower.record.escalation_level == 2  # a level is never taken back
    after = _step(lower.record, "note", lower.record.state, at)
    assert after.record.escalation_level == 2


# -- generations ---------------------------------------------------------------------


def test_a_priority_change_to_a_policy_with_the_same_targets_plans_its_own_timers() -> None:
    """High priority has normal's targets but another ladder and warning share: the due
    times do not move, but the timers do, so the clock needs a new generation (the
    keeper plans timers only for a new generation, and the old generation's timers
    would otherwise fire on the old policy's ladder)."""
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    result = _step(
        record, "change_priority", record.state, karachi(2026, 1, 5, 11), priority="high"
    )
    assert result.record.resolution_due_at == record.resolution_due_at
    assert result.record.policy_id == "high"
    assert result.cause == "priority_changed"
    assert result.record.generation == record.generation + 1


def test_routing_to_a_same_target_policy_plans_its_own_timers() -> None:
    started = transitions.started(submission(MONDAY), RULES)
    result = transitions.routed(started, routing(MONDAY, priority="high"), RULES)
    assert result.record.resolution_due_at == started.resolution_due_at
    assert result.cause == "routed"
    assert result.record.generation == started.generation + 1


def test_the_generation_moves_once_per_change_of_due_times_or_running_state() -> None:
    record = routed_clock(MONDAY)
    steps = [
        ("note", "routed", karachi(2026, 1, 5, 10), False),
        ("claim", "assigned", karachi(2026, 1, 5, 11), True),  # first response due gone
        ("assign", "assigned", karachi(2026, 1, 5, 11, 30), False),
        ("start", "in_progress", karachi(2026, 1, 5, 12), False),
        ("request_information", "awaiting_citizen", karachi(2026, 1, 5, 13), True),
        ("note", "awaiting_citizen", karachi(2026, 1, 5, 14), False),
        ("add_information", "in_progress", karachi(2026, 1, 6, 10), True),
        ("transfer", "routed", karachi(2026, 1, 6, 11), False),
        ("claim", "assigned", karachi(2026, 1, 6, 12), False),
        ("resolve", "resolved", karachi(2026, 1, 6, 13), True),
        ("confirm", "closed", karachi(2026, 1, 7, 13), False),
        ("reopen", "assigned", karachi(2026, 1, 8, 13), True),
    ]
    for action, to_state, at, renewed in steps:
        actor = CITIZEN if action in {"add_information", "confirm", "reopen"} else STAFF
        result = transitions.case_changed(
            record, change(record, action, to_state, at, actor=actor), RULES
        )
        assert result.record.generation == record.generation + (1 if renewed else 0), action
        assert (result.cause is not None) == renewed, action
        record = result.record


def test_routing_to_a_calendar_with_the_same_due_times_plans_its_own_timers() -> None:
    """The annex keeps office hours but is closed on Wednesday 7 January: the due times
    (Monday and Tuesday) are the same, the escalations after them are not."""
    started = transitions.started(submission(MONDAY), RULES)
    result = transitions.routed(started, routing(MONDAY, department=ANNEX_DEPARTMENT), RULES)
    assert result.record.resolution_due_at == started.resolution_due_at
    assert result.record.calendar == ANNEX.name
    assert result.cause == "routed"
    assert result.record.generation == started.generation + 1


def test_routing_announced_by_v1_keeps_the_clocks_priority() -> None:
    # request.routed.v1 is still retained on the topic and carries no priority.
    started = transitions.started(submission(MONDAY), RULES)
    v1 = RequestRoutedV1(
        request_id=started.request_id,
        department_code=OFFICE_DEPARTMENT,
        department_name="Office",
        rule_id="old",
        routed_at=MONDAY + WALL_HOUR,
    )
    result = transitions.routed(started, v1, RULES)
    assert (result.record.case_version, result.record.priority) == (1, started.priority)
    assert result.record.department_code == OFFICE_DEPARTMENT
    assert result.record.resolution_due_at == started.resolution_due_at
