"""Notify under test: settings on the shared infrastructure, and a sweeper that runs a
dispatcher's lanes in the background the way the service's loops do."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from nigrani_notify.config import NotifySettings
from nigrani_notify.dispatcher import Dispatcher
from nigrani_notify.messages import Channel

from tests.support.infra import Infra

logger = logging.getLogger(__name__)
INTERNAL_TOKEN = "internal-token-for-tests-0123456789abcdef"


def notify_settings(infra: Infra, prefix: str, **overrides: Any) -> NotifySettings:
    values: dict[str, Any] = {
        "environment": "test",
        "kafka_bootstrap_servers": infra.kafka_bootstrap_servers,
        "mongodb_uri": infra.mongodb_uri,
        "topic_prefix": prefix,
        "database_name": f"{prefix}_notify",
        "secret_key": "test-secret-" + prefix,
        "kafka_replication_factor": 1,
        "kafka_min_insync_replicas": 1,
        "internal_api_token": INTERNAL_TOKEN,
        # Seconds, not minutes: retries and the watchdog are what these tests watch.
        "retry_base_seconds": 0.2,
        "retry_max_seconds": 1.0,
        "attempt_lease_seconds": 3.0,
        "intake_timeout_seconds": 1.0,
        "timer_settle_seconds": 1.0,
        "sweep_interval_seconds": 0.1,
        "relay_grace_seconds": 1.0,
    }
    values.update(overrides)
    return NotifySettings(**values)


@asynccontextmanager
async def sweeping(
    dispatcher: Dispatcher, channels: Iterable[Channel] | None = None, every: float = 0.1
) -> AsyncIterator[None]:
    """Sweeps the lanes until the block ends (a failing round is tried again, as the
    service's loop does)."""

    async def forever(channel: Channel) -> None:
        while True:
            try:
                await dispatcher.sweep(channel)
            except Exception as error:  # the service's loop logs and goes on; so do we
                logger.warning("sweep round failed: %r", error)
            await asyncio.sleep(every)

    tasks = [asyncio.create_task(forever(channel)) for channel in (channels or dispatcher.lanes)]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
