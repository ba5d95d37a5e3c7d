"""Waiting on a condition with a deadline, never a fixed sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    *,
    within: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Returns the probe's first truthy result; fails the test when the deadline passes."""
    deadline = time.monotonic() + within
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"{what} not reached within {within:.0f}s (last: {last!r})")


def holds(predicate: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    """A probe for `eventually` from a plain predicate on in-memory state."""

    async def probe() -> bool:
        return predicate()

    return probe
