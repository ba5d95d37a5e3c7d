"""The sliding-window approximation, as plain arithmetic.

Requests are counted in fixed windows (aligned on multiples of the window length since the
epoch). A client's rate at time t is estimated from the current window and the one before:

    estimate = previous * (1 - elapsed / window) + current

that is, the previous window's count is assumed spread evenly and only the part that still
lies within the last `window` seconds is kept. A request is admitted while
`estimate + 1 <= limit`. Unlike a plain fixed window, a client cannot send a full limit at
the end of one window and another at the start of the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_TOLERANCE = 1e-9  # float rounding must not refuse a request the wait promised to admit


def window_start(now: float, window_seconds: int) -> int:
    """The start (epoch seconds) of the fixed window that contains `now`."""
    return math.floor(now / window_seconds) * window_seconds


def estimate(previous: int, current: int, elapsed_fraction: float) -> float:
    """The sliding estimate; `elapsed_fraction` is how far into the current window we are."""
    return previous * (1.0 - elapsed_fraction) + current


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_seconds: int = 0


def decide(*, limit: int, previous: int, current: int, now: float, window_seconds: int) -> Decision:
    """Admit one more request, or say in how many whole seconds one would be admitted if
    the client sent nothing meanwhile."""
    elapsed = now - window_start(now, window_seconds)
    if estimate(previous, current, elapsed / window_seconds) + 1 <= limit + _TOLERANCE:
        return Decision(allowed=True)
    wait = seconds_until_admitted(
        limit=limit, previous=previous, current=current, elapsed=elapsed, window=window_seconds
    )
    return Decision(allowed=False, retry_after_seconds=max(1, math.ceil(wait - _TOLERANCE)))


def seconds_until_admitted(
    *, limit: int, previous: int, current: int, elapsed: float, window: int
) -> float:
    """The smallest wait after which `estimate + 1 <= limit`, counts unchanged.

    Within the current window the estimate falls as the previous window's share decays; if
    the current count alone is already too high, the wait runs into the next window, where
    the current count becomes the previous one and decays in turn.
    """
    room = limit - 1 - current  # what the previous window's share may still weigh
    if room >= 0:
        if previous <= room:
            return 0.0
        fraction = 1.0 - room / previous
        return max(0.0, fraction * window - elapsed)
    into_next = (1.0 - (limit - 1) / current) * window
    return (window - elapsed) + into_next
