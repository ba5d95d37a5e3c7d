"""Keeps a consumer runtime running: started once Kafka answers, restarted after a crash,
stopped within a bound on SIGTERM.

A service's HTTP side must come up even while the broker is down (intake keeps accepting
requests into its outbox), so the consumer is started in the background with retries. A loop
that crashes (a store bug, an unexpected broker error) is restarted with backoff; while it is
down /readyz fails, and once it looks unrecoverable /healthz fails too so that the
orchestrator restarts the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nigrani_shared.kafka.retry import Backoff, is_transient
from nigrani_shared.kafka.runtime import ConsumerRuntime
from nigrani_shared.kafka.topics import TopicLayout, ensure_topics
from nigrani_shared.outage import OutageLog

logger = logging.getLogger(__name__)
#: A restarted loop that runs this long without crashing has recovered, even on a quiet
#: topic that gives it no batch to prove it.
STABLE_AFTER_SECONDS = 60.0


@dataclass(frozen=True)
class RestartPolicy:
    """When a crashing consumer is given up on (then /healthz fails)."""

    max_restarts: int = 5  # consecutive crashes or failed restarts without progress
    max_down_seconds: float = 300.0  # since the loop last crashed without recovering
    backoff: Backoff = field(default_factory=lambda: Backoff(initial_seconds=0.5, max_seconds=10))


class BackgroundConsumer:
    """Owns a runtime's start (retried until Kafka answers), its restarts and its stop."""

    def __init__(
        self,
        runtime: ConsumerRuntime,
        *,
        bootstrap_servers: str,
        topics: Sequence[str],
        layout: TopicLayout,
        policy: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runtime = runtime
        self._bootstrap_servers = bootstrap_servers
        self._topics = list(topics)
        self._layout = layout
        self._policy = policy or RestartPolicy()
        self._clock = clock
        self._supervisor: asyncio.Task[None] | None = None
        self._stop_requested = asyncio.Event()
        self._starting = False
        self._failures = 0  # consecutive, since the loop last made progress
        self._down_since: float | None = None  # the loop crashed and has not recovered
        self._outage = OutageLog(logger, "Kafka (consumer start)")
        self.started = asyncio.Event()  # the runtime started at least once

    def start(self) -> None:
        self._supervisor = asyncio.create_task(self._supervise(), name="consumer-supervisor")

    async def ready(self) -> bool:
        """For /readyz: the loop runs and has joined its group (an empty assignment too)."""
        return self._runtime.ready

    async def alive(self) -> bool:
        """For /healthz: false once a crashed loop looks unrecoverable."""
        if self._runtime.running and self._progressed():
            return True  # running and making progress, whatever happened before
        if self._down_since is None:
            return True  # never crashed: still starting (the `kafka` check covers outages)
        return (
            self._failures < self._policy.max_restarts
            and self._clock() - self._down_since < self._policy.max_down_seconds
        )

    async def _supervise(self) -> None:
        while not self._stop_requested.is_set():
            self._starting = True
            started = await self._start_once()
            self._starting = False
            if not started:
                continue
            error = await self._runtime.wait()
            if error is None or self._stop_requested.is_set():
                return
            self._crashed(error)
            await self._runtime.release()  # commits what was applied, bounded
            await self._pause(self._failures)

    async def _start_once(self) -> bool:
        try:
            await ensure_topics(self._bootstrap_servers, self._topics, self._layout)
            await self._runtime.start()
        except Exception as error:
            if is_transient(error):
                self._outage.failed(error)  # an outage: counts towards max_down_seconds only
            else:
                self._failures += 1
                logger.error("consumer start failed", exc_info=error)
            await self._pause(self._outage.retries + self._failures + 1)
            return False
        self._outage.recovered()
        self.started.set()
        return True

    async def _pause(self, attempt: int) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                self._stop_requested.wait(), self._policy.backoff.delay(max(attempt, 1))
            )

    def _crashed(self, error: BaseException) -> None:
        if self._progressed():  # it had recovered: a new episode starts here
            self._failures, self._down_since = 0, None
        self._failures += 1
        if self._down_since is None:
            self._down_since = self._clock()
        logger.error(
            "consumer loop crashed; restarting",
            exc_info=error,
            extra={"consecutive_failures": self._failures},
        )

    def _progressed(self) -> bool:
        return self._runtime.made_progress(stable_after_seconds=STABLE_AFTER_SECONDS)

    async def stop(self) -> None:
        """Bounded: the runtime's own stop has deadlines; a start in progress is cancelled
        (it may be waiting for a broker that is down)."""
        self._stop_requested.set()
        if self._supervisor is not None and self._starting:
            await _cancel(self._supervisor)
        await self._runtime.stop()
        if self._supervisor is not None:  # it may be releasing a crashed consumer (bounded)
            await asyncio.wait({self._supervisor}, timeout=self._runtime.close_seconds * 2)
            await _cancel(self._supervisor)


async def _cancel(task: asyncio.Task[None]) -> None:
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
