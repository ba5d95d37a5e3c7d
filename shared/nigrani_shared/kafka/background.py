"""Starts a consumer runtime once Kafka answers, and runs a worker until SIGTERM.

A service's HTTP side must come up even while the broker is down (intake keeps accepting
requests into its outbox), so the consumer is started in the background with retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence

from nigrani_shared.kafka.retry import Backoff
from nigrani_shared.kafka.runtime import ConsumerRuntime
from nigrani_shared.kafka.topics import ensure_topics

logger = logging.getLogger(__name__)


class BackgroundConsumer:
    """Owns a runtime's start (retried until Kafka answers) and its graceful stop."""

    def __init__(
        self, runtime: ConsumerRuntime, *, bootstrap_servers: str, topics: Sequence[str]
    ) -> None:
        self._runtime = runtime
        self._bootstrap_servers = bootstrap_servers
        self._topics = list(topics)
        self._starter: asyncio.Task[None] | None = None
        self.started = asyncio.Event()

    def start(self) -> None:
        self._starter = asyncio.create_task(self._start_when_reachable(), name="consumer-start")

    async def _start_when_reachable(self) -> None:
        backoff = Backoff(initial_seconds=0.5, max_seconds=10)
        attempt = 0
        while True:
            try:
                await ensure_topics(self._bootstrap_servers, self._topics)
                await self._runtime.start()
                self.started.set()
                return
            except Exception as error:
                attempt += 1
                logger.warning(
                    "Kafka not reachable yet, consumer start retried",
                    extra={"error_type": type(error).__name__, "attempt": attempt},
                )
                await asyncio.sleep(backoff.delay(attempt))

    async def healthy(self) -> bool:
        """For /readyz: still trying to start, or started and its loop still running.
        (While Kafka is down the `kafka` check already says so.)"""
        return not self.started.is_set() or self._runtime.running

    async def stop(self) -> None:
        if self._starter is not None and not self._starter.done():
            self._starter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starter
        if self.started.is_set():
            await self._runtime.stop()


async def run_until_signalled(
    start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]
) -> None:
    """Runs a worker process: start, wait for SIGTERM or SIGINT, then stop gracefully."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await start()
    logger.info("worker running")
    await stopping.wait()
    logger.info("worker stopping")
    await stop()
