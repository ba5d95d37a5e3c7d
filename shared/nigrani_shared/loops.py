"""Background rounds (relays, sweeps) that every service runs beside its consumer: a step
repeated at an interval, logged and retried when it fails (a store or broker outage is
ridden out, not fatal), and cancelled when the service stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

logger = logging.getLogger(__name__)

Step = Callable[[], Awaitable[object]]


def start_loop(stack: AsyncExitStack, name: str, step: Step, every_seconds: float) -> None:
    """Runs `step` every `every_seconds` until the stack closes."""
    task = asyncio.create_task(_forever(name, step, every_seconds), name=name)
    stack.push_async_callback(_cancel, task)


async def _forever(name: str, step: Step, every_seconds: float) -> None:
    while True:
        try:
            await step()
        except Exception as error:
            logger.warning(
                "%s round failed; retrying", name, extra={"error_type": type(error).__name__}
            )
        await asyncio.sleep(every_seconds)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
