"""Per-gateway pace: a token bucket per channel, so a gateway's contractual rate is
respected and one channel's waiting never holds another's sends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

_ROUNDING = 1e-9


class TokenBucket:
    def __init__(
        self,
        per_second: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._rate = per_second
        self._capacity = burst if burst is not None else max(1.0, per_second)
        self._tokens = self._capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        """Waits until one send is allowed; callers queue in order."""
        async with self._lock:
            while True:
                now = self._clock()
                elapsed = now - self._updated
                self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
                self._updated = now
                if self._tokens >= 1 - _ROUNDING:  # a sleep's float error never spins
                    self._tokens -= 1
                    return
                await self._sleep((1 - self._tokens) / self._rate)
