"""Properties of the SLA clock over any sequence of lifecycle events: a pause moves the due
time by exactly the business time paused, the clock's reading never goes back (an event
never changes it at its own moment, time never lowers it), a passed due time stays, and
notes, transfers and reassignments move nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nigrani_sla.calendar.business import BusinessCalendar
from nigrani_sla.clock import transitions
from nigrani_sla.clock.record import ClockRecord
from nigrani_sla.clock.transitions import PAUSED_STATE, STOPPED_STATES, elapsed_at

from tests.unit.sla.clock.examples import (
    ALWAYS,
    CITIZEN,
    OFFICE,
    ROUND_THE_CLOCK_DEPARTMENT,
    RULES,
    STAFF,
    change,
    claimed,
    karachi,
)

MONDAY = karachi(2026, 1, 5, 9)
quick = settings(max_examples=150, deadline=None)
# Whole microseconds, so business-time sums are exact.
gaps = st.integers(min_value=0, max_value=100 * 3600 * 10**6).map(
    lambda us: dt.timedelta(microseconds=us)
)


def _step(record: ClockRecord, action: str, to_state: str, at: dt.datetime) -> ClockRecord:
    actor = CITIZEN if action == "add_information" else STAFF
    event = change(record, action, to_state, at, actor=actor)
    return transitions.case_changed(record, event, RULES).record


def _paused_and_resumed(
    record: ClockRecord, calendar: BusinessCalendar, pairs: list[tuple[dt.timedelta, ...]]
) -> tuple[ClockRecord, float, float, dt.datetime]:
    """Runs and pauses the clock in turn; returns the record, the business time run and
    paused, and the last moment."""
    at = record.running_since
    assert at is not None
    running = paused = 0.0
    for run, pause in pairs:
        paused_at = at + run
        running += calendar.between(at, paused_at)
        record = _step(record, "request_information", PAUSED_STATE, paused_at)
        at = paused_at + pause
        paused += calendar.between(paused_at, at)
        record = _step(record, "add_information", "in_progress", at)
    return record, running, paused, at


@quick
@given(pairs=st.lists(st.tuples(gaps, gaps), max_size=8))
def test_on_an_always_open_calendar_pauses_shift_the_due_time_by_their_length(
    pairs: list[tuple[dt.timedelta, dt.timedelta]],
) -> None:
    start = claimed(MONDAY, MONDAY, department=ROUND_THE_CLOCK_DEPARTMENT, priority="low")
    assert start.calendar == ALWAYS.name
    original = start.resolution_due_at
    assert original is not None
    target = start.resolution_target_seconds  # 5 days: 120 hours
    record, running, paused, _ = _paused_and_resumed(start, ALWAYS, pairs)
    if running >= target:  # the target was reached while running: that due time stands
        assert record.resolution_due_at is not None
        assert record.resolution_due_at <= MONDAY + dt.timedelta(seconds=target + paused)
        return
    total_paused = sum((pause for _, pause in pairs), dt.timedelta())
    assert record.resolution_due_at == original + total_paused
    assert record.banked_seconds == pytest.approx(running, abs=1e-6)


@quick
@given(pairs=st.lists(st.tuples(gaps, gaps), max_size=6))
def test_on_an_office_calendar_pauses_shift_the_due_time_by_the_business_time_paused(
    pairs: list[tuple[dt.timedelta, dt.timedelta]],
) -> None:
    start = claimed(MONDAY, MONDAY, priority="low")
    original = start.resolution_due_at
    assert original is not None
    record, running, paused, at = _paused_and_resumed(start, OFFICE, pairs)
    if running >= start.resolution_target_seconds:
        assert record.resolution_due_at is not None
        assert record.resolution_due_at <= at
        return
    assert record.resolution_due_at == OFFICE.add(original, paused)
    assert elapsed_at(record, OFFICE, record.resolution_due_at) == pytest.approx(
        start.resolution_target_seconds, abs=1e-6
    )


# Lifecycle steps in any order (not only the ones routing's workflow allows): the clock's
# rules must hold whatever arrives.
STEPS = (
    "note",
    "transfer",
    "reassign",
    "claim",
    "pause",
    "answer",
    "resolve",
    "reject",
    "confirm",
    "reopen",
    "priority",
)
PRIORITIES = ("low", "normal", "high", "urgent")


def _event_for(record: ClockRecord, step: str, priority: str, at: dt.datetime) -> object:
    action, to_state, actor, new_priority = {
        "note": ("note", record.state, STAFF, record.priority),
        "transfer": ("transfer", "routed", STAFF, record.priority),
        "reassign": ("assign", record.state, STAFF, record.priority),
        "claim": ("claim", "assigned", STAFF, record.priority),
        "pause": ("request_information", PAUSED_STATE, STAFF, record.priority),
        "answer": ("add_information", "in_progress", CITIZEN, record.priority),
        "resolve": ("resolve", "resolved", STAFF, record.priority),
        "reject": ("reject", "rejected", STAFF, record.priority),
        "confirm": ("confirm", "closed", CITIZEN, record.priority),
        "reopen": ("reopen", "assigned", CITIZEN, record.priority),
        "priority": ("change_priority", record.state, STAFF, priority),
    }[step]
    if step == "transfer" and record.state == PAUSED_STATE:
        to_state = PAUSED_STATE  # a transfer that keeps waiting for the citizen
    return change(record, action, to_state, at, actor=actor, priority=new_priority)


steps = st.lists(st.tuples(st.sampled_from(STEPS), st.sampled_from(PRIORITIES), gaps), max_size=14)


@settings(max_examples=200, deadline=None)
@given(
    sequence=steps,
    calendar_department=st.sampled_from(["CB-LHR", ROUND_THE_CLOCK_DEPARTMENT]),
)
def test_every_event_keeps_the_clocks_rules(
    sequence: list[tuple[str, str, dt.timedelta]], calendar_department: str
) -> None:
    record = claimed(MONDAY, MONDAY, department=calendar_department)
    calendar = RULES.calendars.named(record.calendar)
    at = MONDAY
    for step, priority, gap in sequence:
        previous_at, at = at, at + gap
        reading = elapsed_at(record, calendar, at)
        # Time never lowers the reading.
        assert reading >= elapsed_at(record, calendar, previous_at)
        event = _event_for(record, step, priority, at)
        assert isinstance(event, transitions.CaseChanged)
        result = transitions.case_changed(record, event, RULES)
        after = result.record
        # An event never changes the reading at its own moment: nothing resets the clock.
        assert elapsed_at(after, calendar, at) == reading
        # A new generation exactly when the change has a cause, one at a time.
        assert after.generation - record.generation == (0 if result.cause is None else 1)
        # It runs except awaiting the citizen or stopped.
        assert after.open == (after.state not in STOPPED_STATES)
        assert (after.running_since is None) == (not after.open or after.state == PAUSED_STATE)
        _check_due_times(record, after, event, at, calendar)
        if step in {"note", "transfer", "reassign"} and _keeps_running_state(record, event):
            assert _unmoved(record, after), step
        record = after


def _check_due_times(
    before: ClockRecord,
    after: ClockRecord,
    event: transitions.CaseChanged,
    at: dt.datetime,
    calendar: BusinessCalendar,
) -> None:
    due = after.resolution_due_at
    reached = elapsed_at(before, calendar, at) >= before.resolution_target_seconds
    if reached and event.priority == before.priority:
        assert due == before.resolution_due_at  # a passed due time is history
        assert due is not None
    if after.open and after.running_since is not None and due is not None and due > at:
        # A due time ahead is when the clock reaches the target.
        assert elapsed_at(after, calendar, due) == pytest.approx(
            after.resolution_target_seconds, abs=1e-6
        )
    if after.paused:
        assert due is None or due <= at  # unknown while paused, unless already passed


def _keeps_running_state(before: ClockRecord, event: transitions.CaseChanged) -> bool:
    """A note, transfer or reassignment that neither leaves nor enters a pause or a stop
    (those follow the state, whoever caused it)."""
    if event.to_state in STOPPED_STATES or event.priority != before.priority:
        return before.state in STOPPED_STATES and event.to_state in STOPPED_STATES
    return before.open and (before.state == PAUSED_STATE) == (event.to_state == PAUSED_STATE)


def _unmoved(before: ClockRecord, after: ClockRecord) -> bool:
    return (
        after.generation == before.generation
        and after.resolution_due_at == before.resolution_due_at
        and after.first_response_due_at == before.first_response_due_at
        and after.banked_seconds == before.banked_seconds
        and after.running_since == before.running_since
    )
