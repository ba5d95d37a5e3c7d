"""Notify under test: settings on the shared infrastructure, and a sweeper that runs a
dispatcher's lanes in the background the way the service's loops do."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from nigrani_notify.composition import NotifyParts
from nigrani_notify.config import NotifySettings
from nigrani_notify.dispatcher import Dispatcher
from nigrani_notify.main import create_app
from nigrani_notify.messages import Channel
from nigrani_notify.recipients import DEFAULT_RECIPIENTS_PATH

from tests.support.infra import Infra
from tests.support.system import System

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
        "webhook_timeout_seconds": 1.0,
        "smtp": {"timeout_seconds": 1.5},
        "sms_gateway": {"timeout_seconds": 1.5},
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


def recipients_file(tmp_path: Path, quiet_hours: str | None = None) -> Path:
    """The packaged recipients with the quiet hours given ("HH:MM-HH:MM", Karachi) for
    every department, or none: a test at 2 a.m. must not wait for the morning."""
    text = DEFAULT_RECIPIENTS_PATH.read_text(encoding="utf-8")
    if quiet_hours is None:
        replacement = "quiet_hours: null"
    else:
        start, end = quiet_hours.split("-")
        replacement = f'quiet_hours: {{start: "{start}", end: "{end}"}}'
    lines = [
        (line[: len(line) - len(line.lstrip())] + replacement)
        if line.lstrip().startswith("quiet_hours:")
        else line
        for line in text.splitlines()
    ]
    path = tmp_path / "recipients.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Notify:
    app: FastAPI
    settings: NotifySettings

    @property
    def parts(self) -> NotifyParts:
        parts: NotifyParts = self.app.state.notify_parts
        return parts


@asynccontextmanager
async def running_notify(
    infra: Infra,
    system: System,
    tmp_path: Path,
    *,
    smtp_port: int,
    sms_url: str,
    quiet_hours: str | None = None,
    sms_extra: dict[str, Any] | None = None,
    **overrides: Any,
) -> AsyncIterator[Notify]:
    """Notify in this process beside a running system (its topics, its intake reached
    in-process for contacts), sending to the test's SMTP server and SMS gateway."""
    settings = notify_settings(
        infra,
        system.intake_settings.topic_prefix,
        database_name=f"{system.intake_settings.topic_prefix}_notify",
        recipients_path=recipients_file(tmp_path, quiet_hours),
        smtp={"host": "127.0.0.1", "port": smtp_port, "timeout_seconds": 1.5},
        sms_gateway={"url": sms_url, "timeout_seconds": 1.5, **(sms_extra or {})},
        **overrides,
    )
    app = create_app(settings, intake_transport=httpx.ASGITransport(app=system.intake_app))
    async with app.router.lifespan_context(app):
        yield Notify(app, settings)


def notify_environment(
    *, database: str, intake_url: str, smtp_port: int, sms_url: str, recipients: Path
) -> dict[str, str]:
    """Environment variables for a real `python -m nigrani_notify` beside the test's SMTP
    server and SMS gateway, with the short retry and lease times of these tests."""
    return {
        "NOTIFY_DATABASE": database,
        "INTAKE_INTERNAL_URL": intake_url,
        "NOTIFY_SMTP": json.dumps({"host": "127.0.0.1", "port": smtp_port, "timeout_seconds": 2}),
        "NOTIFY_SMS_GATEWAY": json.dumps({"url": sms_url, "timeout_seconds": 2}),
        "INTAKE_TIMEOUT_SECONDS": "1",
        "NOTIFY_WEBHOOK_TIMEOUT_SECONDS": "1",
        "NOTIFY_RECIPIENTS_PATH": str(recipients),
        "NOTIFY_RETRY_BASE_SECONDS": "0.2",
        "NOTIFY_RETRY_MAX_SECONDS": "1",
        "NOTIFY_ATTEMPT_LEASE_SECONDS": "5",
        "NOTIFY_TIMER_SETTLE_SECONDS": "1",
        "NOTIFY_SWEEP_INTERVAL_SECONDS": "0.1",
        "NOTIFY_RELAY_GRACE_SECONDS": "1",
    }
