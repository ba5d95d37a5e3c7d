"""Which timers a clock needs and when they fall due, on real calendars and policy books
(one of them read from YAML by the loader). Expected times are worked out by hand from
the office week (Mon-Thu 09:00-17:00, Friday 09:00-12:30, Karachi; 5 February 2026 a
holiday); see examples.py for the policies."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nigrani_sla.clock import transitions
from nigrani_sla.clock.record import ClockRecord
from nigrani_sla.clock.schedule import PlannedTimer, plan
from nigrani_sla.clock.transitions import Rules
from nigrani_sla.policies.loader import load_policies
from nigrani_sla.policies.model import Policy

from tests.unit.sla.clock.examples import (
    ALWAYS,
    ANNEX,
    ANNEX_DEPARTMENT,
    BOOK,
    CALENDARS,
    HOUR,
    OFFICE,
    REQUEST,
    ROUND_THE_CLOCK_DEPARTMENT,
    RULES,
    STANDARD,
    apply,
    change,
    claimed,
    karachi,
    routed_clock,
    routing,
    submission,
)

MONDAY = karachi(2026, 1, 5, 9)
WALL_HOUR = dt.timedelta(hours=1)


def _timers(record: ClockRecord, rules: Rules = RULES) -> dict[str, PlannedTimer]:
    policy = rules.policies.policy_for(record.category, record.priority)
    calendar = rules.calendars.named(record.calendar)
    timers = plan(record, policy, calendar)
    by_key = {timer.key: timer for timer in timers}
    assert len(by_key) == len(timers), "two timers share a key"
    return by_key


def _dues(record: ClockRecord, rules: Rules = RULES) -> dict[str, dt.datetime]:
    return {
        key.removeprefix(f"{REQUEST}/"): timer.due_at
        for key, timer in _timers(record, rules).items()
    }


def test_a_running_clock_plans_every_timer_in_business_time() -> None:
    record = routed_clock(MONDAY)
    assert _dues(record) == {
        # first response: 4 office hours, warned at 75%
        "warning/first_response/0": karachi(2026, 1, 5, 12),
        "breached/first_response/0": karachi(2026, 1, 5, 13),
        # resolution: 2 days = 16 office hours, warned after 12
        "warning/resolution/0": karachi(2026, 1, 6, 13),
        "breached/resolution/0": karachi(2026, 1, 6, 17),
        # the ladder: +1 day (8 h), then +2 days (16 h) across the weekend, then +3 (24 h)
        "escalated/resolution/1": karachi(2026, 1, 7, 17),
        "escalated/resolution/2": karachi(2026, 1, 12, 13, 30),
        "escalated/resolution/3": karachi(2026, 1, 15, 13, 30),
    }


def test_timers_carry_their_kind_target_level_role_and_generation() -> None:
    record = routed_clock(MONDAY)
    timers = _timers(record)
    described = {
        (t.kind, t.target, t.level, t.role) for t in timers.values() if t.request_id == REQUEST
    }
    assert described == {
        ("warning", "first_response", 0, None),
        ("breached", "first_response", 0, None),
        ("warning", "resolution", 0, None),
        ("breached", "resolution", 0, None),
        ("escalated", "resolution", 1, "supervisor"),
        ("escalated", "resolution", 2, "dept_admin"),
        ("escalated", "resolution", 3, "oversight"),
    }
    assert {t.generation for t in timers.values()} == {record.generation}


def test_the_breach_timers_fall_due_at_the_clocks_due_times() -> None:
    record = routed_clock(MONDAY)
    timers = _timers(record)
    assert timers[f"{REQUEST}/breached/first_response/0"].due_at == record.first_response_due_at
    assert timers[f"{REQUEST}/breached/resolution/0"].due_at == record.resolution_due_at


def test_the_ladder_agrees_with_the_policys_escalation_seconds() -> None:
    record = routed_clock(MONDAY)
    breach = record.resolution_due_at
    assert breach is not None
    timers = _timers(record)
    for rung, after in STANDARD.escalation_seconds(OFFICE):
        due = timers[f"{REQUEST}/escalated/resolution/{rung.level}"].due_at
        assert OFFICE.between(breach, due) == after


def test_a_calendar_that_never_closes_plans_in_wall_time() -> None:
    record = routed_clock(MONDAY, department=ROUND_THE_CLOCK_DEPARTMENT)
    assert _dues(record) == {
        "warning/first_response/0": MONDAY + 3 * WALL_HOUR,
        "breached/first_response/0": MONDAY + 4 * WALL_HOUR,
        "warning/resolution/0": MONDAY + 36 * WALL_HOUR,
        "breached/resolution/0": MONDAY + 48 * WALL_HOUR,
        "escalated/resolution/1": MONDAY + (48 + 24) * WALL_HOUR,
        "escalated/resolution/2": MONDAY + (48 + 24 + 48) * WALL_HOUR,
        "escalated/resolution/3": MONDAY + (48 + 24 + 48 + 72) * WALL_HOUR,
    }


POLICIES_YAML = """\
warning_share: 0.75
policies:
  - id: default
    category: "*"
    priority: "*"
    first_response: 3 days
    resolution: 21 days
  - id: pothole
    category: roads.pothole
    priority: "*"
    first_response: 2 hours
    resolution: 1 day
    warning_share: 0.5
    ladder:
      supervisor: 4 hours
      dept_admin: 2 days
      oversight: 90 minutes
"""


@pytest.fixture
def yaml_rules(tmp_path: Path) -> Rules:
    path = tmp_path / "policies.yaml"
    path.write_text(textwrap.dedent(POLICIES_YAML))
    return Rules(CALENDARS, load_policies(path))


def test_the_ladder_from_a_policies_file_crosses_a_holiday_and_a_weekend(
    yaml_rules: Rules,
) -> None:
    start = karachi(2026, 2, 2, 9)  # Monday; Thursday 5 February is a holiday
    record = routed_clock(start, rules=yaml_rules)
    assert record.policy_id == "pothole"
    assert _dues(record, yaml_rules) == {
        "warning/first_response/0": karachi(2026, 2, 2, 10),  # half of 2 hours
        "breached/first_response/0": karachi(2026, 2, 2, 11),
        "warning/resolution/0": karachi(2026, 2, 2, 13),  # half of one 8-hour day
        "breached/resolution/0": karachi(2026, 2, 2, 17),
        "escalated/resolution/1": karachi(2026, 2, 3, 13),  # + 4 hours
        # + 16 hours: Tuesday 4, Wednesday 8, Thursday closed, Friday 3.5, Monday 0.5
        "escalated/resolution/2": karachi(2026, 2, 9, 9, 30),
        "escalated/resolution/3": karachi(2026, 2, 9, 11),  # + 90 minutes
    }


def test_a_paused_clock_plans_nothing() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    paused = apply(record, ("request_information", "awaiting_citizen", karachi(2026, 1, 5, 15)))
    assert paused.paused
    assert _timers(paused) == {}


@pytest.mark.parametrize(("action", "to_state"), [("resolve", "resolved"), ("reject", "rejected")])
def test_a_stopped_clock_plans_nothing(action: str, to_state: str) -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    stopped = apply(record, (action, to_state, karachi(2026, 1, 5, 15)))
    assert _timers(stopped) == {}
    overdue = apply(record, (action, to_state, karachi(2026, 1, 9, 11)))
    assert _timers(overdue) == {}


def test_a_stopped_record_plans_nothing_even_with_a_running_since() -> None:
    """A stopped clock is never planned, whatever else its record says."""
    record = routed_clock(MONDAY).evolve(stopped_at=karachi(2026, 1, 5, 15))
    assert record.running_since is not None
    assert _timers(record) == {}


def test_once_responded_the_first_response_timers_are_gone() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    assert set(_dues(record)) == {
        "warning/resolution/0",
        "breached/resolution/0",
        "escalated/resolution/1",
        "escalated/resolution/2",
        "escalated/resolution/3",
    }
    assert _dues(record)["breached/resolution/0"] == karachi(2026, 1, 6, 17)


def test_points_passed_before_a_pause_are_planned_at_the_resume_moment() -> None:
    # Low priority: 40 office hours, warned at half (20 hours), supervisor 2 days later.
    record = claimed(MONDAY, MONDAY + WALL_HOUR, priority="low")
    resumed_at = karachi(2026, 1, 8, 10)
    record = apply(
        record,
        ("request_information", "awaiting_citizen", karachi(2026, 1, 7, 14)),  # 21 h used
        ("add_information", "in_progress", resumed_at),
    )
    assert record.banked_seconds == 21 * HOUR
    dues = _dues(record)
    assert dues["warning/resolution/0"] == resumed_at  # passed at 20 h: due at once
    # 19 hours left: Thursday 7, Friday 3.5, Monday 8, Tuesday 0.5.
    assert dues["breached/resolution/0"] == karachi(2026, 1, 13, 9, 30)
    assert dues["breached/resolution/0"] == record.resolution_due_at
    # + 2 days (16 hours): Tuesday 7.5, Wednesday 8, Thursday 0.5.
    assert dues["escalated/resolution/1"] == karachi(2026, 1, 15, 9, 30)


def test_an_overdue_clock_resumed_plans_the_passed_points_at_once() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    resumed_at = karachi(2026, 1, 12, 10)
    record = apply(
        record,
        ("request_information", "awaiting_citizen", karachi(2026, 1, 8, 11)),  # 26 h used
        ("add_information", "in_progress", resumed_at),
    )
    dues = _dues(record)
    assert dues["warning/resolution/0"] == resumed_at
    assert dues["breached/resolution/0"] == resumed_at
    assert dues["escalated/resolution/1"] == resumed_at  # 16 + 8 = 24 hours, passed
    # level 2 at 40 hours: 14 left from Monday 10:00: Monday 7, Tuesday 7.
    assert dues["escalated/resolution/2"] == karachi(2026, 1, 13, 16)
    assert record.resolution_due_at == karachi(2026, 1, 6, 17)  # the passed due stays


def test_a_reopened_clock_plans_again_from_the_reopening() -> None:
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    record = apply(
        record,
        ("resolve", "resolved", karachi(2026, 1, 6, 11)),  # 10 of 16 hours
        ("reopen", "assigned", karachi(2026, 1, 8, 10)),
    )
    dues = _dues(record)
    assert dues["warning/resolution/0"] == karachi(2026, 1, 8, 12)  # 12 h reached
    assert dues["breached/resolution/0"] == karachi(2026, 1, 8, 16)


def test_a_tighter_target_already_exceeded_is_planned_in_the_past() -> None:
    """The timer wheel puts a due time already passed into the current second."""
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    changed_at = karachi(2026, 1, 5, 15)
    record = transitions.case_changed(
        record,
        change(record, "change_priority", record.state, changed_at, priority="urgent"),
        RULES,
    ).record
    dues = _dues(record)
    assert dues["warning/resolution/0"] == karachi(2026, 1, 5, 12)  # 3 of 4 hours
    assert dues["breached/resolution/0"] == karachi(2026, 1, 5, 13)
    assert dues["escalated/resolution/1"] == karachi(2026, 1, 5, 15)  # + 2 hours: now
    assert dues["escalated/resolution/2"] == karachi(2026, 1, 6, 11)  # + 4 hours


def test_a_new_policy_with_the_same_due_times_gets_timers_of_a_new_generation() -> None:
    """What the keeper does: it plans timers only when a change has a cause (a new
    generation). High priority keeps normal's due times but warns at half and climbs its
    ladder sooner; its timers must replace normal's, not stand beside them."""
    record = claimed(MONDAY, MONDAY + WALL_HOUR)
    result = transitions.case_changed(
        record,
        change(record, "change_priority", record.state, karachi(2026, 1, 5, 11), priority="high"),
        RULES,
    )
    assert result.cause is not None, "the keeper would not plan the high priority's timers"
    timers = _timers(result.record)
    assert {t.generation for t in timers.values()} == {record.generation + 1}
    assert timers[f"{REQUEST}/escalated/resolution/1"].due_at == karachi(2026, 1, 7, 13)


def test_a_department_calendar_with_the_same_due_times_gets_timers_of_a_new_generation() -> None:
    started = transitions.started(submission(MONDAY), RULES)
    result = transitions.routed(started, routing(MONDAY, department=ANNEX_DEPARTMENT), RULES)
    assert result.cause is not None, "the keeper would not plan the annex's timers"
    timers = _timers(result.record)
    # One day after Tuesday 17:00, with the annex closed on Wednesday.
    assert timers[f"{REQUEST}/escalated/resolution/1"].due_at == karachi(2026, 1, 8, 17)
    assert result.record.calendar == ANNEX.name


def test_plan_reads_the_policy_it_is_given() -> None:
    """The keeper passes the policy of the record's category and priority; the warning
    share and the ladder come from it, the targets from the record."""
    record = routed_clock(MONDAY)
    half: Policy = BOOK.policy_for(record.category, "high")
    timers = {t.key: t.due_at for t in plan(record, half, OFFICE)}
    assert timers[f"{REQUEST}/warning/resolution/0"] == karachi(2026, 1, 5, 17)  # 8 of 16 h
    assert timers[f"{REQUEST}/breached/resolution/0"] == karachi(2026, 1, 6, 17)


def test_an_always_open_clock_resumed_after_a_pause_plans_shifted_by_the_pause() -> None:
    record = routed_clock(MONDAY, department=ROUND_THE_CLOCK_DEPARTMENT)
    before = _dues(record)
    record = apply(
        record,
        ("claim", "assigned", MONDAY + WALL_HOUR),
        ("start", "in_progress", MONDAY + WALL_HOUR),
        ("request_information", "awaiting_citizen", MONDAY + 5 * WALL_HOUR),
        ("add_information", "in_progress", MONDAY + 12 * WALL_HOUR),
    )
    after = _dues(record)
    assert set(after) == {key for key in before if "first_response" not in key}
    for key, due in after.items():
        assert due == before[key] + 7 * WALL_HOUR, key
    assert ALWAYS.name == record.calendar


moments = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2026, 12, 31),
    timezones=st.just(dt.UTC),
)
banked = st.integers(min_value=0, max_value=200 * 3600 * 10**6).map(lambda us: us / 10**6)


@settings(max_examples=200, deadline=None)
@given(
    running_since=moments,
    banked_seconds=banked,
    priority=st.sampled_from(["low", "normal", "high", "urgent"]),
    department=st.sampled_from(["CB-LHR", ANNEX_DEPARTMENT, ROUND_THE_CLOCK_DEPARTMENT]),
    responded=st.booleans(),
)
def test_every_timer_falls_due_when_the_clock_reaches_its_point(
    running_since: dt.datetime,
    banked_seconds: float,
    priority: str,
    department: str,
    responded: bool,
) -> None:
    """For any running clock: each timer is due when the clock reads its point (warning
    share of a target, the target, the target plus the allowances so far), or at once
    (when the clock resumed) for a point it had already passed; and in ladder order."""
    record = routed_clock(MONDAY, department=department, priority=priority).evolve(
        running_since=running_since,
        banked_seconds=banked_seconds,
        first_response_at=MONDAY if responded else None,
    )
    policy = BOOK.policy_for(record.category, record.priority)
    calendar = CALENDARS.named(record.calendar)
    first, resolution = record.first_response_target_seconds, record.resolution_target_seconds
    points = {
        "warning/resolution/0": resolution * policy.warning_share,
        "breached/resolution/0": resolution,
        **{
            f"escalated/resolution/{rung.level}": resolution + after
            for rung, after in policy.escalation_seconds(calendar)
        },
    }
    if not responded:
        points["warning/first_response/0"] = first * policy.warning_share
        points["breached/first_response/0"] = first
    dues = _dues(record)
    assert set(dues) == set(points)
    for key, point in points.items():
        assert dues[key] >= running_since
        assert calendar.between(running_since, dues[key]) == pytest.approx(
            max(point - banked_seconds, 0.0), abs=1e-6
        ), key
    rungs = [f"escalated/resolution/{rung.level}" for rung in policy.ladder]
    ladder = [dues[key] for key in ("warning/resolution/0", "breached/resolution/0", *rungs)]
    assert ladder == sorted(ladder)
    if not responded:
        assert dues["warning/first_response/0"] <= dues["breached/first_response/0"]
