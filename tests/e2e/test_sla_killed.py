"""The SLA service killed (SIGKILL) mid-run and started again loses no firing: what fell
due while it was down fires after the restart, late but once, and in due order."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import pytest
from nigrani_shared.clock import utc_now

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic, send_events
from tests.support.processes import service_process
from tests.support.sla import (
    fired,
    routed,
    sla_environment,
    sla_events,
    sla_settings,
    submitted,
    write_policies,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

REQUESTS = 20
# Due at 3, 4.5, 6, 9, 11, 13 and 15 seconds after submission.
IN_DUE_ORDER = [
    "warning:first_response:0",
    "warning:resolution:0",
    "breached:first_response:0",
    "breached:resolution:0",
    "escalated:resolution:1",
    "escalated:resolution:2",
    "escalated:resolution:3",
]


async def test_a_killed_sla_service_restarted_loses_no_firing(infra: Infra, tmp_path: Path) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    policies = write_policies(
        tmp_path / "policies",
        first_response="6 seconds",
        resolution="9 seconds",
        allowances=("2 seconds", "2 seconds", "2 seconds"),
    )
    settings = sla_settings(infra, prefix, policies)
    env = sla_environment(settings)
    bootstrap, topic = infra.kafka_bootstrap_servers, settings.lifecycle_topic
    codes = [f"SLA-KILL-{n:02}" for n in range(REQUESTS)]

    async with service_process("sla", env, tmp_path, ready_path="/readyz", name="sla-1") as first:
        start = utc_now()
        await send_events(
            bootstrap,
            topic,
            [e for code in codes for e in (submitted(code, at=start), routed(code, at=start))],
        )

        async def some_warnings() -> bool:
            events = await events_on_topic(bootstrap, topic)
            return any("warning:first_response:0" in fired(events, code) for code in codes)

        await eventually(some_warnings, within=30, interval=0.5, what="the first warnings")
        await first.kill()
    before_restart = await events_on_topic(bootstrap, topic)
    fired_before = sum(len(fired(before_restart, code)) for code in codes)
    await asyncio.sleep(max(0.0, 17 - (utc_now() - start).total_seconds()))  # all fall due

    async with service_process("sla", env, tmp_path, ready_path="/readyz", name="sla-2"):

        async def every_ladder() -> list[dict[str, object]] | None:
            events = await events_on_topic(bootstrap, topic)
            complete = all(len(set(fired(events, code))) == len(IN_DUE_ORDER) for code in codes)
            return events if complete else None

        events = await eventually(every_ladder, within=90, interval=1, what="every firing")
    assert fired_before < REQUESTS * len(IN_DUE_ORDER), "the kill came too late to test"
    for code in codes:
        names = fired(events, code)
        first_seen = list(dict.fromkeys(names))
        assert first_seen == IN_DUE_ORDER, code
    # Once: a kill between Kafka's acknowledgement and the fired mark can make the relay
    # publish an event again, always under its one deterministic id.
    ids = Counter(
        e["id"] for code in codes for e in sla_events(events, code) if "deadline" not in e["type"]
    )
    assert len(ids) == REQUESTS * len(IN_DUE_ORDER)
