"""The SLA service against the real broker and store, with policies of seconds on a
calendar that never closes: warning, breach and each escalation fire in order and once;
a note or a transfer does not move the due time; a pause moves it by exactly the paused
time and nothing fires while it lasts; two instances fire each timer once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from nigrani_shared.clock import utc_now
from nigrani_shared.events import CaseChanged
from nigrani_shared.kafka.topics import TopicLayout, ensure_topics

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic, send_events
from tests.support.sla import (
    change,
    fired,
    parts_of,
    routed,
    running_sla,
    sla_events,
    sla_settings,
    submitted,
    swept_past,
    write_policies,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

LADDER = [
    "warning:first_response:0",
    "warning:resolution:0",
    "breached:first_response:0",
    "breached:resolution:0",
    "escalated:resolution:1",
    "escalated:resolution:2",
    "escalated:resolution:3",
]


def _prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


async def test_warning_breach_and_each_level_fire_in_order_and_once(
    infra: Infra, tmp_path: Path
) -> None:
    policies = write_policies(tmp_path, first_response="3 seconds", resolution="4 seconds")
    settings = sla_settings(infra, _prefix(), policies)
    code = "SLA-ORDER-1"
    async with running_sla(settings) as (app, _):
        start = utc_now()
        await send_events(
            infra.kafka_bootstrap_servers,
            settings.lifecycle_topic,
            [submitted(code, at=start), routed(code, at=start)],
        )

        async def ladder_done() -> list[str] | None:
            events = await events_on_topic(infra.kafka_bootstrap_servers, settings.lifecycle_topic)
            names = fired(events, code)
            return names if len(names) >= len(LADDER) else None

        await eventually(ladder_done, within=60, interval=1, what="the whole ladder")
        await swept_past([app], start + timedelta(seconds=7))  # the last level's second
        events = await events_on_topic(infra.kafka_bootstrap_servers, settings.lifecycle_topic)
    assert fired(events, code) == LADDER
    escalations = [
        e["data"] for e in sla_events(events, code) if e["type"].endswith("escalated.v1")
    ]
    assert [(e["level"], e["role"]) for e in escalations] == [
        (1, "supervisor"),
        (2, "dept_admin"),
        (3, "oversight"),
    ]
    assert {e["department_code"] for e in escalations} == {"CW-ROADS"}
    deadlines = [
        e["data"] for e in sla_events(events, code) if e["type"].endswith("deadline_set.v1")
    ]
    # Routing on the same calendar and priority moves nothing, so nothing is announced.
    assert [d["cause"] for d in deadlines] == ["submitted"]


async def test_a_note_or_a_transfer_does_not_move_the_due_time(
    infra: Infra, tmp_path: Path
) -> None:
    settings = sla_settings(infra, _prefix(), write_policies(tmp_path, resolution="1 hours"))
    code = "SLA-STEADY-1"
    async with running_sla(settings) as (app, _):
        repository = parts_of(app).repository
        start = utc_now()
        await send_events(
            infra.kafka_bootstrap_servers,
            settings.lifecycle_topic,
            [submitted(code, at=start), routed(code, at=start)],
        )

        async def routed_clock() -> object:
            clock = await repository.clock(code)
            return clock if clock is not None and clock.case_version == 1 else None

        before = await eventually(routed_clock, what="the routed clock")
        await send_events(
            infra.kafka_bootstrap_servers,
            settings.lifecycle_topic,
            [
                change(code, 2, "note", "routed", "routed", at=start + timedelta(minutes=5)),
                change(
                    code,
                    3,
                    "transfer",
                    "routed",
                    "routed",
                    department="WASA-LHR",
                    at=start + timedelta(minutes=9),
                ),
                change(code, 4, "assign", "routed", "assigned", department="WASA-LHR"),
            ],
        )

        async def applied() -> object:
            clock = await repository.clock(code)
            return clock if clock is not None and clock.case_version == 4 else None

        after = await eventually(applied, what="the note, the transfer and the assignment")
    assert after.resolution_due_at == before.resolution_due_at  # type: ignore[attr-defined]
    assert after.department_code == "WASA-LHR"  # type: ignore[attr-defined]


async def test_a_pause_moves_the_due_time_by_exactly_the_paused_time_and_fires_nothing(
    infra: Infra, tmp_path: Path
) -> None:
    settings = sla_settings(infra, _prefix(), write_policies(tmp_path, resolution="3 seconds"))
    code = "SLA-PAUSE-1"
    bootstrap, topic = infra.kafka_bootstrap_servers, settings.lifecycle_topic
    async with running_sla(settings) as (app, _):
        repository = parts_of(app).repository
        start = utc_now()
        await send_events(bootstrap, topic, [submitted(code, at=start), routed(code, at=start)])
        paused_at = start + timedelta(seconds=1)
        await send_events(
            bootstrap,
            topic,
            [
                change(code, 2, "claim", "routed", "assigned", at=start),
                change(
                    code, 3, "request_information", "assigned", "awaiting_citizen", at=paused_at
                ),
            ],
        )

        async def paused() -> object:
            clock = await repository.clock(code)
            return clock if clock is not None and clock.case_version == 3 else None

        await eventually(paused, what="the pause")
        await swept_past([app], start + timedelta(seconds=3))  # the unpaused due time
        events = await events_on_topic(bootstrap, topic)
        assert "breached:resolution:0" not in fired(events, code)
        resumed_at = utc_now()
        await send_events(
            bootstrap,
            topic,
            [
                change(
                    code,
                    4,
                    "add_information",
                    "awaiting_citizen",
                    "in_progress",
                    actor="citizen",
                    at=resumed_at,
                )
            ],
        )

        async def breached() -> list[dict[str, object]] | None:
            events = await events_on_topic(bootstrap, topic)
            return events if "breached:resolution:0" in fired(events, code) else None

        events = await eventually(breached, within=30, interval=1, what="the breach after resuming")
    deadlines = [
        e["data"] for e in sla_events(events, code) if e["type"].endswith("deadline_set.v1")
    ]
    by_cause = {d["cause"]: d for d in deadlines}
    routed_due = by_cause["submitted"]["resolution_due_at"]
    resumed_due = by_cause["resumed"]["resolution_due_at"]
    assert by_cause["paused"]["resolution_due_at"] is None
    assert by_cause["paused"]["paused"] is True
    shift = _parse(resumed_due) - _parse(routed_due)
    assert shift == resumed_at - paused_at


async def test_two_instances_fire_each_timer_once(infra: Infra, tmp_path: Path) -> None:
    settings = sla_settings(infra, _prefix(), write_policies(tmp_path, resolution="2 seconds"))
    codes = [f"SLA-PAIR-{n}" for n in range(12)]
    bootstrap, topic = infra.kafka_bootstrap_servers, settings.lifecycle_topic
    async with AsyncExitStack() as stack:
        apps = [(await stack.enter_async_context(running_sla(settings)))[0] for _ in range(2)]
        start = utc_now()
        await send_events(
            bootstrap,
            topic,
            [e for code in codes for e in (submitted(code, at=start), routed(code, at=start))],
        )

        async def all_escalated() -> list[dict[str, object]] | None:
            events = await events_on_topic(bootstrap, topic)
            done = all(len(fired(events, code)) >= len(LADDER) for code in codes)
            return events if done else None

        await eventually(all_escalated, within=90, interval=1, what="every ladder")
        await swept_past(apps, start + timedelta(seconds=5))  # both past the last level
        events = await events_on_topic(bootstrap, topic)
    for code in codes:
        assert sorted(fired(events, code)) == sorted(LADDER), code
    records = Counter(
        e["id"]
        for e in events
        if e["type"].startswith("org.nigrani.sla.") and "deadline" not in e["type"]
    )
    assert set(records.values()) == {1}


def _parse(value: object) -> object:
    from datetime import datetime

    return datetime.fromisoformat(str(value))


async def test_a_lagging_consumer_lets_nothing_fire_that_its_clocks_have_not_heard_of(
    infra: Infra, tmp_path: Path
) -> None:
    # Requests resolved a second after submission, before their due time, but the
    # consumer is slow to apply the first resolution (held for 4 seconds): the timers
    # planned from the submissions fall due meanwhile, and must wait until the
    # resolutions already on the topic are applied (then they are stale).
    settings = sla_settings(infra, _prefix(), write_policies(tmp_path, resolution="2 seconds"))
    bootstrap, topic = infra.kafka_bootstrap_servers, settings.lifecycle_topic
    codes = [f"SLA-LAG-{n:02}" for n in range(6)]
    async with running_sla(settings) as (app, _):
        keeper = parts_of(app).keeper
        apply_change = keeper.case_changed
        held = asyncio.Event()

        async def slow_first_change(data: CaseChanged) -> None:
            if not held.is_set():
                held.set()
                await asyncio.sleep(4)
            await apply_change(data)

        keeper.case_changed = slow_first_change  # type: ignore[method-assign]
        start = utc_now()
        opening = [e for code in codes for e in (submitted(code, at=start), routed(code, at=start))]
        closing = [
            change(code, 2, "resolve", "routed", "resolved", at=start + timedelta(seconds=1))
            for code in codes
        ]
        await send_events(bootstrap, topic, opening + closing)
        repository = parts_of(app).repository

        async def all_stopped() -> bool:
            clocks = [await repository.clock(code) for code in codes]
            return all(clock is not None and clock.stopped_at is not None for clock in clocks)

        await eventually(all_stopped, within=60, what="every resolution applied")
        await swept_past([app], start + timedelta(seconds=5))  # the last level's second
        events = await events_on_topic(bootstrap, topic)
    assert held.is_set()
    assert [name for code in codes for name in fired(events, code)] == []


async def test_the_ops_board_follows_a_consumer_catching_up_on_history(
    infra: Infra, tmp_path: Path
) -> None:
    # Requests submitted and routed before the SLA service ever ran: its consumer replays
    # them after the board has loaded the (still empty) clocks, so the board must follow
    # the topic from where the consumer stands, not from its end.
    settings = sla_settings(infra, _prefix(), write_policies(tmp_path, resolution="1 hours"))
    codes = [f"SLA-HISTORY-{n:02}" for n in range(8)]
    start = utc_now()
    await send_events(
        infra.kafka_bootstrap_servers,
        settings.lifecycle_topic,
        [e for code in codes for e in (submitted(code, at=start), routed(code, at=start))],
    )
    async with running_sla(settings) as (_, client):

        async def on_the_board() -> dict[str, object] | None:
            summary: dict[str, Any] = (await client.get("/v1/ops/summary")).json()
            lines = {line["department"]: line["open"] for line in summary["departments"]}
            lines = {department: n for department, n in lines.items() if n}
            return summary if lines == {"CW-ROADS": len(codes)} else None

        summary = await eventually(on_the_board, within=60, what="the replayed requests")
    assert summary["open"] == len(codes)


async def test_timers_fire_on_a_topic_with_fewer_partitions_than_the_settings_say(
    infra: Infra, tmp_path: Path
) -> None:
    # The lifecycle topic was created earlier with 2 partitions; the settings say 3. The
    # sweep waits for every partition's progress: it must count the topic's partitions,
    # not the settings', or it would wait for a partition that does not exist.
    prefix = _prefix()
    settings = sla_settings(
        infra, prefix, write_policies(tmp_path, resolution="2 seconds"), kafka_topic_partitions=3
    )
    layout = settings.topic_layout
    await ensure_topics(
        infra.kafka_bootstrap_servers,
        [settings.lifecycle_topic],
        TopicLayout(2, layout.replication_factor, layout.min_insync_replicas),
    )
    code = "SLA-FEWER-1"
    bootstrap, topic = infra.kafka_bootstrap_servers, settings.lifecycle_topic
    async with running_sla(settings):
        start = utc_now()
        await send_events(bootstrap, topic, [submitted(code, at=start), routed(code, at=start)])

        async def breached() -> bool:
            events = await events_on_topic(bootstrap, topic)
            return "breached:resolution:0" in fired(events, code)

        await eventually(breached, within=60, interval=1, what="the breach")
