"""The sliding-window arithmetic: who is admitted, and how long a refused client waits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nigrani_shared.ratelimit.windows import decide, estimate, window_start

WINDOW = 60
T0 = 1_700_000_040  # a window start: a multiple of 60


def test_windows_are_aligned_on_multiples_of_their_length() -> None:
    assert window_start(T0, WINDOW) == T0
    assert window_start(T0 + 59.999, WINDOW) == T0
    assert window_start(T0 + 60, WINDOW) == T0 + 60
    assert window_start(T0 - 0.001, WINDOW) == T0 - 60


def test_the_previous_window_weighs_what_is_left_of_it_in_the_last_minute() -> None:
    assert estimate(10, 4, 0.0) == 14
    assert estimate(10, 4, 0.25) == pytest.approx(11.5)
    assert estimate(10, 4, 1.0) == 4


def test_a_client_is_admitted_up_to_the_limit_then_told_when_to_come_back() -> None:
    now = T0 + 15
    for count in range(10):
        assert decide(limit=10, previous=0, current=count, now=now, window_seconds=WINDOW).allowed
    refused = decide(limit=10, previous=0, current=10, now=now, window_seconds=WINDOW)
    assert not refused.allowed
    # 45 s to the end of this window, then 10 * (1 - f) <= 9 needs f >= 0.1: 6 s more.
    assert refused.retry_after_seconds == 51


def test_a_burst_at_the_end_of_a_window_still_counts_in_the_next() -> None:
    refused = decide(limit=10, previous=10, current=0, now=T0, window_seconds=WINDOW)
    assert not refused.allowed
    assert refused.retry_after_seconds == 6  # 10 * (1 - f) <= 9 from f = 0.1
    assert decide(limit=10, previous=10, current=0, now=T0 + 6, window_seconds=WINDOW).allowed


def test_a_limit_of_one_waits_for_the_window_after_next() -> None:
    refused = decide(limit=1, previous=0, current=1, now=T0 + 20, window_seconds=WINDOW)
    assert refused.retry_after_seconds == 100


def _counts_at(history: dict[int, int], now: float) -> tuple[int, int]:
    start = window_start(now, WINDOW)
    return history.get(start - WINDOW, 0), history.get(start, 0)


@given(
    limit=st.integers(min_value=1, max_value=500),
    previous=st.integers(min_value=0, max_value=1000),
    current=st.integers(min_value=0, max_value=1000),
    elapsed=st.floats(min_value=0, max_value=WINDOW, exclude_max=True),
)
def test_retry_after_is_the_first_whole_second_at_which_the_client_is_admitted(
    limit: int, previous: int, current: int, elapsed: float
) -> None:
    now = T0 + elapsed
    history = {T0 - WINDOW: previous, T0: current}

    def allowed_at(later: float) -> bool:
        prev, cur = _counts_at(history, later)
        return decide(
            limit=limit, previous=prev, current=cur, now=later, window_seconds=WINDOW
        ).allowed

    prev, cur = _counts_at(history, now)
    decision = decide(limit=limit, previous=prev, current=cur, now=now, window_seconds=WINDOW)
    if decision.allowed:
        elapsed_fraction = (now - window_start(now, WINDOW)) / WINDOW
        assert estimate(prev, cur, elapsed_fraction) + 1 <= limit + 1e-9
        return
    wait = decision.retry_after_seconds
    assert wait >= 1

    assert allowed_at(now + wait)
    if wait > 1:
        assert not allowed_at(now + wait - 1)


def test_float_rounding_does_not_add_a_second_to_retry_after() -> None:
    """(1 - 20/30) * 60 is 20.000000000000004 in floating point: the client is admitted
    at 20 s, so Retry-After says 20, not 21 (a case hypothesis found)."""
    decision = decide(limit=21, previous=30, current=0, now=T0, window_seconds=WINDOW)
    assert decision.retry_after_seconds == 20
