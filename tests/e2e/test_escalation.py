"""SLA events through the real broker into routing: an escalation moves the case to its
level's queue and is announced once however often it is delivered, level 3 reaches the
oversight body, a resolved case is not escalated, and the staff queue's overdue filter and
due sort follow sla.deadline_set, also in a replica started while routing's consumer had
not yet stored the due times."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from nigrani_routing.queue.due_store import DueTimesStore
from nigrani_routing.worker import GROUP_ID
from nigrani_shared.auth.identity import Role
from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    DeadlineSet,
    EventEnvelope,
    SlaEscalated,
    derived_event_id,
    new_event,
)
from prometheus_client import REGISTRY

from tests.support.infra import Infra
from tests.support.kafka import committed_offsets, events_on_topic, send_events
from tests.support.requests import water_request
from tests.support.staff import staff_headers
from tests.support.system import System, routing_replica, running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

HOME = "WASA-LHR"
PLACE = {"lat": 31.60, "lon": 74.30, "address": "Street 4, Walled City", "district": "Lahore"}
ROLES = {1: "supervisor", 2: "dept_admin", 3: "oversight"}


def _staff(system: System, subject: str, department: str, role: Role) -> dict[str, str]:
    return staff_headers(system.routing_settings, subject, department, role)


def escalated(code: str, level: int) -> EventEnvelope:
    now = utc_now()
    data = SlaEscalated(
        request_id=code,
        level=level,
        role=ROLES[level],
        due_at=now - timedelta(days=3),
        escalation_due_at=now,
        department_code=HOME,
        category="water.no_supply",
        priority="normal",
        fired_at=now,
    )
    event_id = derived_event_id(code, "escalated", str(level))
    return new_event(data, subject=code, source="/nigrani/sla", event_id=event_id)


def deadline(code: str, due_in: timedelta) -> EventEnvelope:
    data = DeadlineSet(
        request_id=code,
        generation=1,
        cause="routed",
        policy_id="water-normal",
        category="water.no_supply",
        priority="normal",
        department_code=HOME,
        calendar="Asia/Karachi",
        first_response_due_at=None,
        resolution_due_at=utc_now() + due_in,
        elapsed_business_seconds=0.0,
        paused=False,
        stopped=False,
        set_at=utc_now(),
    )
    return new_event(data, subject=code, source="/nigrani/sla")


def _handled(event_type: str) -> float:
    value = REGISTRY.get_sample_value(
        "nigrani_events_handled_total",
        {"group": "routing", "event_type": event_type, "outcome": "handled"},
    )
    return value or 0.0


async def _routed(system: System) -> str:
    assert system.routing is not None
    response = await system.intake.post("/v1/requests", json=water_request(location=PLACE))
    assert response.status_code == 201, response.text
    code: str = response.json()["tracking_code"]
    reader = _staff(system, "reader", HOME, Role.OFFICER)

    async def routed() -> bool:
        assert system.routing is not None
        case = await system.routing.get(f"/staff/v1/cases/{code}", headers=reader)
        return case.status_code == 200

    await eventually(routed, within=60, what=f"{code} routed")
    return code


async def _act(system: System, code: str, path: str, body: dict[str, Any]) -> None:
    assert system.routing is not None
    officer = _staff(system, "officer-1", HOME, Role.OFFICER)
    response = await system.routing.post(
        f"/staff/v1/cases/{code}/{path}", json=body, headers=officer
    )
    assert response.status_code == 200, response.text


async def _queue(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> list[dict[str, Any]]:
    response = await client.get("/staff/v1/queue", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _send_and_wait_handled(system: System, events: list[EventEnvelope]) -> None:
    before = _handled(events[0].type)
    await send_events(system.intake_settings.kafka_bootstrap_servers, system.topic, events)

    async def all_handled() -> bool:
        return _handled(events[0].type) - before >= len(events)

    await eventually(all_handled, within=60, what=f"{len(events)} {events[0].type} handled")


def _escalations_of(records: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [
        r
        for r in records
        if r.get("type") == "org.nigrani.request.escalated.v1" and r.get("subject") == code
    ]


async def test_an_escalation_reaches_the_level_queue_once_and_level_3_the_oversight_body(
    infra: Infra,
) -> None:
    async with running_system(infra) as system:
        assert system.routing is not None
        code = await _routed(system)
        await _act(system, code, "claim", {})
        await _send_and_wait_handled(system, [escalated(code, 1)] * 2)

        supervisor = _staff(system, "sup-1", HOME, Role.SUPERVISOR)
        mine = await _queue(system.routing, supervisor, escalated_to_me="true")
        assert [(i["tracking_code"], i["escalation_level"], i["assignee"]) for i in mine] == [
            (code, 1, "officer-1")
        ]
        head = _staff(system, "adm-1", HOME, Role.DEPT_ADMIN)
        assert await _queue(system.routing, head, escalated_to_me="true") == []

        await _send_and_wait_handled(system, [escalated(code, 3)])
        oversight = _staff(system, "ovs-1", "OMBUDSMAN", Role.OVERSIGHT)
        landed = await _queue(system.routing, oversight, escalated_to_me="true")
        assert [(i["tracking_code"], i["state"], i["assignee"]) for i in landed] == [
            (code, "routed", None)
        ]
        assert await _queue(system.routing, supervisor) == []

        records = await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
        escalations = _escalations_of(records, code)
        assert [r["data"]["escalation_level"] for r in escalations] == [1, 3]
        assert escalations[1]["data"]["escalated_to_department"] == "OMBUDSMAN"


async def test_an_escalation_of_a_resolved_case_is_refused_quietly(infra: Infra) -> None:
    async with running_system(infra) as system:
        assert system.routing is not None
        code = await _routed(system)
        await _act(system, code, "claim", {})
        await _act(system, code, "transitions", {"action": "start"})
        await _act(
            system, code, "transitions", {"action": "resolve", "public_note": "Valve replaced."}
        )
        await _send_and_wait_handled(system, [escalated(code, 1)])

        case = await system.case(code)
        assert case is not None
        assert (case["state"], case["version"], case["escalation_level"]) == ("resolved", 4, 0)
        records = await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
        assert _escalations_of(records, code) == []


async def test_the_queue_serves_overdue_and_due_order_from_deadline_events(
    infra: Infra, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Routing's consumer is held before it stores the due times; a replica started then
    must still have them (read from the topic from the consumer's committed offsets), and
    a replica started after they are stored has them from the store."""
    gate = asyncio.Event()
    record = DueTimesStore.record_deadline

    async def held(self: DueTimesStore, data: DeadlineSet) -> None:
        await gate.wait()
        await record(self, data)

    monkeypatch.setattr(DueTimesStore, "record_deadline", held)
    async with running_system(infra) as system:
        assert system.routing is not None
        late, early = await _routed(system), await _routed(system)
        await send_events(
            infra.kafka_bootstrap_servers,
            system.topic,
            [deadline(late, timedelta(hours=4)), deadline(early, -timedelta(hours=2))],
        )
        officer = _staff(system, "officer-1", HOME, Role.OFFICER)

        async def served(client: httpx.AsyncClient) -> None:
            async def both_timed() -> bool:
                items = await _queue(client, officer, sort="due")
                return all(i["resolution_due_at"] for i in items) and len(items) == 2

            await eventually(both_timed, within=60, what="due times in the queue")
            assert [i["tracking_code"] for i in await _queue(client, officer, sort="due")] == [
                early,
                late,
            ]
            overdue = await _queue(client, officer, overdue="true")
            assert [(i["tracking_code"], i["overdue"]) for i in overdue] == [(early, True)]

        await served(system.routing)
        async with routing_replica(system) as replica:
            assert await system.routing_db["sla_due_times"].count_documents({}) == 0
            await served(replica)
        gate.set()

        async def stored() -> bool:
            return await system.routing_db["sla_due_times"].count_documents({}) == 2

        await eventually(stored, within=60, what="due times stored")

        async def committed_past_them() -> bool:
            offsets = await committed_offsets(infra.kafka_bootstrap_servers, system.topic, GROUP_ID)
            records = await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
            return sum(offsets.values()) == len(records)

        # Now the replica's feed starts after them: they can only come from the store.
        await eventually(committed_past_them, within=60, what="the consumer committed")
        async with routing_replica(system) as replica:
            await served(replica)
