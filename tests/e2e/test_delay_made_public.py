"""Delay is public, end to end: a request submitted to intake is routed, timed by the SLA
service (policies of seconds), breached and escalated level by level; routing moves the
case up its ladder (request.escalated, level 3 to the oversight body) and the citizen's
public view shows the due date, how overdue the request is, and every escalation."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic
from tests.support.requests import public_status, water_request
from tests.support.sla import running_sla, sla_settings, write_policies
from tests.support.system import running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_a_late_request_climbs_the_ladder_and_the_public_sees_it(
    infra: Infra, tmp_path: Path
) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    policies = write_policies(
        tmp_path, resolution="3 seconds", allowances=("2 seconds", "2 seconds", "2 seconds")
    )
    async with (
        running_system(infra, prefix=prefix) as system,
        running_sla(sla_settings(infra, prefix, policies)) as (_, sla),
    ):
        response = await system.intake.post("/v1/requests", json=water_request())
        assert response.status_code == 201, response.text
        code = response.json()["tracking_code"]

        async def with_due_date() -> dict[str, Any] | None:
            view = await public_status(system.intake, code)
            return view if view is not None and view.get("due_at") else None

        early = await eventually(with_due_date, what="the due date on the public view")
        assert early["overdue"] is False

        async def three_escalations() -> dict[str, Any] | None:
            view = await public_status(system.intake, code)
            if view is None:
                return None
            levels = [e["escalation"]["level"] for e in view["timeline"] if e.get("escalation")]
            return view if levels == [1, 2, 3] else None

        view = await eventually(three_escalations, within=60, interval=0.5, what="level 3")

        async def on_the_ops_board() -> dict[str, Any] | None:
            summary: dict[str, Any] = (await sla.get("/v1/ops/summary")).json()
            late = [case["request_id"] for case in summary["oldest_overdue"]]
            at_level_3 = {"level": 3, "open": 1} in summary["escalations"]
            return summary if code in late and at_level_3 else None

        board = await eventually(on_the_ops_board, what="the request on the ops board")
        case = await system.case(code)
        events = await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
    assert view["overdue"] is True
    assert view["overdue_by_seconds"] > 0
    assert view["due_at"] == early["due_at"]  # escalations never move the due time
    assert [e["escalation"]["role"] for e in view["timeline"] if e.get("escalation")] == [
        "supervisor",
        "head_of_department",
        "oversight",
    ]
    assert case is not None
    assert case["escalation_level"] == 3
    assert case["department_code"] == "OMBUDSMAN"
    mine = [e for e in events if e["subject"] == code]
    kinds = Counter(e["type"].removeprefix("org.nigrani.") for e in mine)
    assert kinds["sla.escalated.v1"] == 3
    assert kinds["request.escalated.v1"] == 3
    assert kinds["sla.breached.v1"] == 2  # first response and resolution
    assert board["overdue"] == 1
