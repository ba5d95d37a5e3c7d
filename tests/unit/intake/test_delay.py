"""The public reading of due times: the latest generation wins, a pause shows as paused and
does not hide a delay that had happened, only open requests are overdue, and lateness is
measured at read time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nigrani_intake.delay.deadline import (
    NO_DEADLINE,
    SUPERSEDED,
    DeadlineState,
    assess,
    fold,
)

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def generation(
    number: int,
    *,
    due: datetime | None,
    paused: bool = False,
    stopped: bool = False,
    set_at: datetime = T0,
    first_response_due: datetime | None = None,
) -> dict[str, Any]:
    return {
        "kind": "generation",
        "generation": number,
        "cause": "test",
        "first_response_due_at": first_response_due,
        "resolution_due_at": due,
        "paused": paused,
        "stopped": stopped,
        "set_at": set_at,
    }


def state_of(*generations: dict[str, Any]) -> DeadlineState:
    state = fold(None, list(generations))
    assert state is not None
    return state


def test_no_deadline_yet_shows_nothing_and_is_not_overdue() -> None:
    assert assess(None, case_state="routed", now=T0) == NO_DEADLINE
    assert fold(None, []) is None


def test_the_latest_generation_gives_the_due_times() -> None:
    state = state_of(
        generation(1, due=T0 + 24 * HOUR, first_response_due=T0 + 2 * HOUR),
        generation(2, due=T0 + 48 * HOUR, first_response_due=None),
    )
    delay = assess(state, case_state="in_progress", now=T0)
    assert delay.due_at == T0 + 48 * HOUR
    assert delay.first_response_due_at is None
    assert (delay.paused, delay.overdue, delay.overdue_by_seconds) == (False, False, None)


def test_superseded_slots_are_passed_over() -> None:
    state = fold(
        None,
        [generation(1, due=T0), {"_id": "X:2", "kind": SUPERSEDED}, generation(3, due=T0 + HOUR)],
    )
    assert state is not None
    assert (state.generation, state.resolution_due_at) == (3, T0 + HOUR)


def test_folding_in_steps_equals_folding_at_once() -> None:
    """A process remembers the fold and adds only the generations after it."""
    generations = [
        generation(1, due=T0),
        generation(2, due=None, paused=True, set_at=T0 + HOUR),
        generation(3, due=None, paused=True, set_at=T0 + 2 * HOUR),
        generation(4, due=T0 + 3 * HOUR, set_at=T0 + 3 * HOUR),
    ]
    for split in range(len(generations) + 1):
        assert fold(fold(None, generations[:split]), generations[split:]) == fold(None, generations)


def test_overdue_by_is_measured_at_read_time() -> None:
    state = state_of(generation(1, due=T0))
    assert assess(state, case_state="in_progress", now=T0).overdue is False
    later = assess(state, case_state="in_progress", now=T0 + timedelta(seconds=90))
    much_later = assess(state, case_state="in_progress", now=T0 + HOUR)
    assert (later.overdue, later.overdue_by_seconds) == (True, 90)
    assert (much_later.overdue, much_later.overdue_by_seconds) == (True, 3600)


def test_a_pause_shows_paused_without_a_due_time() -> None:
    state = state_of(
        generation(1, due=T0 + 24 * HOUR),
        generation(2, due=None, paused=True, set_at=T0 + HOUR),
    )
    delay = assess(state, case_state="awaiting_citizen", now=T0 + 48 * HOUR)
    assert (delay.due_at, delay.paused, delay.overdue, delay.overdue_by_seconds) == (
        None,
        True,
        False,
        None,
    )


def test_a_pause_after_the_due_time_keeps_the_delay_frozen_at_the_pause() -> None:
    """Asking the citizen a question never makes a late request look on time."""
    state = state_of(
        generation(1, due=T0),
        generation(2, due=None, paused=True, set_at=T0 + HOUR),
        generation(3, due=None, paused=True, set_at=T0 + 2 * HOUR),  # moved again, still paused
    )
    delay = assess(state, case_state="awaiting_citizen", now=T0 + 30 * HOUR)
    assert (delay.due_at, delay.paused, delay.overdue, delay.overdue_by_seconds) == (
        None,
        True,
        True,
        3600,
    )


@pytest.mark.parametrize("case_state", ["resolved", "rejected", "closed", "closed_unconfirmed"])
def test_an_ended_case_is_not_overdue_even_before_the_clock_stops(case_state: str) -> None:
    state = state_of(generation(1, due=T0, first_response_due=T0))
    delay = assess(state, case_state=case_state, now=T0 + HOUR)
    assert (delay.overdue, delay.overdue_by_seconds, delay.first_response_due_at) == (
        False,
        None,
        None,
    )


def test_a_stopped_clock_is_not_overdue() -> None:
    state = state_of(generation(1, due=T0), generation(2, due=None, stopped=True))
    delay = assess(state, case_state="in_progress", now=T0 + HOUR)
    assert (delay.due_at, delay.overdue, delay.overdue_by_seconds) == (None, False, None)


def test_a_reopened_request_is_overdue_again_from_its_resumed_due_time() -> None:
    state = state_of(
        generation(1, due=T0),
        generation(2, due=None, stopped=True, set_at=T0 - HOUR),
        generation(3, due=T0 + HOUR, set_at=T0 + 2 * HOUR),
    )
    delay = assess(state, case_state="routed", now=T0 + 3 * HOUR)
    assert (delay.due_at, delay.overdue, delay.overdue_by_seconds) == (T0 + HOUR, True, 7200)
