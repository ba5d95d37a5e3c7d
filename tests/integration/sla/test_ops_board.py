"""The ops board against the real store and broker: what the SLA consumer stored is what
the JSON, the pages and the gauges show, and the board follows the clocks as the lifecycle
topic announces their changes, including a clock written after the event was seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from nigrani_shared.events import DeadlineSet, EventEnvelope, new_event
from nigrani_sla.clock.record import ClockRecord
from prometheus_client.parser import text_string_to_metric_families

from tests.support.events import case_changed
from tests.support.infra import Infra
from tests.support.kafka import keys_on_one_partition
from tests.support.sla_board import BoardSystem, board_system
from tests.support.sla_clocks import clock, stopped
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 09:00 in Karachi
HOUR = timedelta(hours=1)


def deadline_set(record: ClockRecord) -> EventEnvelope:
    """The sla.deadline_set the SLA consumer publishes after storing `record`."""
    data = DeadlineSet(
        request_id=record.request_id,
        generation=record.generation,
        cause="test",
        policy_id=record.policy_id,
        category=record.category,
        priority=record.priority,
        department_code=record.department_code,
        calendar=record.calendar,
        first_response_due_at=record.first_response_due_at,
        resolution_due_at=record.resolution_due_at,
        elapsed_business_seconds=record.banked_seconds,
        paused=record.paused,
        stopped=not record.open,
        set_at=NOW,
    )
    return new_event(data, subject=record.request_id, source="/test")


def _client(system: BoardSystem) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=system.app)
    return httpx.AsyncClient(transport=transport, base_url="http://sla")


SEED = [
    clock("BP2W-1J63-2P5D", resolution_due_at=NOW - 30 * HOUR, escalation_level=2),
    clock("C7QX-99AA-0K1M", resolution_due_at=NOW - 2 * HOUR, last_staff_action_at=NOW - HOUR),
    clock("D4RT-0000-1111", resolution_due_at=NOW + HOUR, running_since=None),
    stopped("E5YU-2222-3333", NOW - HOUR, submitted_at=NOW - 5 * HOUR, resolution_due_at=NOW),
    clock("F6IO-4444-5555", department_code="LESCO", resolution_due_at=NOW - HOUR),
    clock("G7PA-6666-7777", department_code=None, resolution_due_at=None),
]


def _gauges(text: str) -> dict[tuple[str, str], float]:
    return {
        (sample.name, sample.labels["department"]): sample.value
        for family in text_string_to_metric_families(text)
        if family.type == "gauge" and family.name.startswith("nigrani_sla_")
        for sample in family.samples
        if "department" in sample.labels
    }


async def test_stored_clocks_are_what_the_json_pages_and_gauges_show(infra: Infra) -> None:
    async with board_system(infra, seed=SEED, clock=lambda: NOW) as system, _client(system) as http:
        assert (await http.get("/readyz")).status_code == 200
        body = (await http.get("/v1/ops/summary")).json()
        assert (body["open"], body["overdue"], body["paused"]) == (5, 3, 1)
        assert body["breaches_today"] == 2  # C7QX (07:00 today) and F6IO (08:00 today)
        assert body["compliance"]["ratio"] == 1.0
        assert [c["request_id"] for c in body["oldest_overdue"]] == [
            "BP2W-1J63-2P5D",
            "C7QX-99AA-0K1M",
            "F6IO-4444-5555",
        ]
        assert body["escalations"] == [{"level": 2, "open": 1}]
        assert [line["department"] for line in body["departments"]] == [
            "LESCO",
            "WASA-LHR",
            "unrouted",
        ]

        wasa = (await http.get("/v1/ops/departments/WASA-LHR")).json()
        assert (wasa["open"], wasa["overdue"], wasa["breaches_today"]) == (3, 2, 1)
        assert wasa["last_staff_action_at"] == "2026-11-20T03:00:00Z"
        missing = await http.get("/v1/ops/departments/PHA")
        assert missing.status_code == 404
        assert missing.json()["detail"] == "no department with this code has requests on the board"

        page = await http.get("/ops/departments/WASA-LHR")
        assert page.status_code == 200
        assert 'data-field="overdue">2<' in page.text
        assert "BP2W-1J63-2P5D" in page.text
        assert (await http.get("/ops/")).status_code == 200

        gauges = _gauges((await http.get("/metrics")).text)
        assert gauges[("nigrani_sla_open_requests", "WASA-LHR")] == 3
        assert gauges[("nigrani_sla_overdue_requests", "LESCO")] == 1
        assert gauges[("nigrani_sla_oldest_overdue_age_seconds", "WASA-LHR")] == 30 * 3600
        activity = "nigrani_sla_department_last_activity_timestamp_seconds"
        assert gauges[(activity, "WASA-LHR")] == (NOW - HOUR).timestamp()
        assert gauges[("nigrani_sla_open_requests", "unrouted")] == 1


async def test_the_board_follows_the_clocks_the_topic_announces(infra: Infra) -> None:
    async with board_system(infra, seed=SEED, clock=lambda: NOW) as system, _client(system) as http:
        resolved = stopped(
            "BP2W-1J63-2P5D",
            NOW - HOUR,
            resolution_due_at=NOW - 30 * HOUR,
            case_version=4,
            generation=2,
        )
        await system.store(resolved)
        await system.publish(deadline_set(resolved))

        async def resolved_shown() -> dict[str, Any] | None:
            body: dict[str, Any] = (await http.get("/v1/ops/summary")).json()
            return body if body["overdue"] == 2 else None

        body = await eventually(resolved_shown, within=30, what="the resolution on the board")
        assert body["open"] == 4
        assert body["compliance"] == {
            "stopped": 2,
            "on_time": 1,
            "without_target": 0,
            "ratio": 0.5,
        }
        assert body["oldest_overdue"][0]["request_id"] == "C7QX-99AA-0K1M"

        fresh = clock("H8SD-8888-9999", department_code="PHA", resolution_due_at=NOW - HOUR)
        await system.store(fresh)
        await system.publish(deadline_set(fresh))

        async def new_department() -> bool:
            return (await http.get("/v1/ops/departments/PHA")).status_code == 200

        await eventually(new_department, within=30, what="a new department on the board")


async def test_a_clock_written_after_its_event_was_seen_still_reaches_the_board(
    infra: Infra,
) -> None:
    """The SLA consumer stores a clock *after* the event it reacts to is on the topic. The
    board reads the clock on the event, finds it older than the event, and rechecks."""
    late, marker = keys_on_one_partition(["LATE", "MARK"], partitions=3)
    seed = [clock(late, case_version=1), clock(marker, case_version=1)]
    async with board_system(infra, seed=seed, clock=lambda: NOW) as system:
        await system.publish(case_changed(late, version=2, to_state="in_progress"))
        # A later event on the same partition, whose clock is already stored: once the
        # board shows it, the board has read LATE's clock and found version 1 there.
        await system.store(clock(marker, case_version=2))
        await system.publish(case_changed(marker, version=2, to_state="in_progress"))

        def version(request_id: str) -> tuple[int, int] | None:
            return system.board.version_of(request_id)

        async def marker_seen() -> bool:
            return version(marker) == (2, 1)

        await eventually(marker_seen, within=30, what="the marker's clock on the board")
        assert version(late) == (1, 1)

        await system.store(clock(late, case_version=2, resolution_due_at=NOW - HOUR))

        async def late_seen() -> bool:
            return version(late) == (2, 1)

        await eventually(late_seen, within=30, what="the late clock on the board")
        assert system.board.summary(NOW).overdue == 1
