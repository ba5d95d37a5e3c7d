"""Per-gateway pace: a token bucket per channel, so a gateway's contractual rate is
respected and one channel's waiting never holds another's sends."""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    def __init__(self, per_second: float, burst: float | None = None) -> None:
        self._rate = per_second
        self._capacity = burst if burst is not None else max(1.0, per_second)
        self._tokens = self._capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        """Waits until one send is allowed; callers queue in order."""
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(
                    self._capacity, self._tokens + (now - self._updated) * self._rate
                )
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self._rate)
