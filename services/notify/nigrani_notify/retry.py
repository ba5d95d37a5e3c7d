"""When the next attempt of a delivery is due: exponential backoff with jitter, or what
the gateway asked for (429 Retry-After), never sooner than the backoff's floor."""

from __future__ import annotations

import random
from dataclasses import dataclass

_RANDOM = random.Random()  # noqa: S311 - jitter, not a secret


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    base_seconds: float
    max_seconds: float

    def exhausted(self, attempt: int) -> bool:
        """True when `attempt` was the last one allowed."""
        return attempt >= self.attempts

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after attempt `attempt` (1-based) failed for a passing reason.

        Half the exponential step is kept and half is drawn at random ("equal jitter"):
        replicas retrying a gateway that came back do not all call it at once, and no
        retry comes sooner than half the step. A gateway's Retry-After is honoured even
        beyond `max_seconds` (up to a day): it knows its own limits.
        """
        step = min(self.max_seconds, self.base_seconds * 2.0 ** (attempt - 1))
        jittered = step / 2 + (rng or _RANDOM).uniform(0, step / 2)
        if retry_after is not None:
            return max(jittered, min(retry_after, 86_400.0))
        return jittered
