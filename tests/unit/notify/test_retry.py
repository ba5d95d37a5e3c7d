"""Backoff: exponential with equal jitter, capped, and a gateway's Retry-After honoured."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st
from nigrani_notify.retry import RetryPolicy

POLICY = RetryPolicy(attempts=6, base_seconds=30, max_seconds=600)


@given(st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=2**32))
def test_a_delay_keeps_half_its_step_and_never_exceeds_the_cap(attempt: int, seed: int) -> None:
    step = min(600, 30 * 2 ** (attempt - 1))
    delay = POLICY.delay(attempt, rng=random.Random(seed))
    assert step / 2 <= delay <= step


def test_steps_double_until_the_cap() -> None:
    lowest = [POLICY.delay(n, rng=_Lowest()) for n in range(1, 7)]
    assert lowest == [15, 30, 60, 120, 240, 300]


def test_retry_after_is_honoured_even_beyond_the_cap_but_not_beyond_a_day() -> None:
    assert POLICY.delay(1, 900, rng=_Lowest()) == 900
    assert POLICY.delay(1, 10**9, rng=_Lowest()) == 86_400
    assert POLICY.delay(3, 1, rng=_Lowest()) == 60  # never sooner than the backoff


def test_the_last_attempt_is_the_configured_one() -> None:
    assert not POLICY.exhausted(5)
    assert POLICY.exhausted(6)


class _Lowest(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return a
