"""Delay is public: the SLA service's due times and routing's escalations, published on the
real broker, reach intake's public and private views: the latest generation whatever the
order, a pause as paused, an overdue request with a delay that grows at read time, each
escalation once and without staff fields, and nothing before a target is set."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from nigrani_shared.clock import utc_now

from tests.support.citizen import NO_STATUS_CACHE, apply, citizen, submit_routed
from tests.support.events import (
    STAFF_CANARIES,
    case_changed,
    case_escalated,
    deadline_set,
    sla_breached,
)
from tests.support.infra import Infra
from tests.support.system import System, running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

DELAY_FIELDS = ("due_at", "first_response_due_at", "paused", "overdue", "overdue_by_seconds")


async def _view(system: System, code: str) -> dict[str, Any]:
    response = await system.intake.get(f"/v1/requests/{code}")
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


def _delay(view: dict[str, Any]) -> dict[str, Any]:
    return {field: view[field] for field in DELAY_FIELDS}


def _as_shown(at: datetime) -> str:
    """A time as the view shows it after the store kept it (to the millisecond)."""
    kept = at.replace(microsecond=at.microsecond // 1000 * 1000)
    return kept.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _shown_time(shown: str | None) -> str | None:
    if shown is None:
        return None
    return datetime.fromisoformat(shown).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _shown_delay(system: System, code: str, token: str) -> list[dict[str, Any]]:
    """The delay fields of the public and the private view, times to the millisecond."""
    private = await system.intake.get(f"/v1/requests/{code}/private", headers=citizen(token))
    shown = []
    for view in (await _view(system, code), private.json()):
        delay = _delay(view)
        for field in ("due_at", "first_response_due_at"):
            delay[field] = _shown_time(delay[field])
        shown.append(delay)
    return shown


async def test_a_request_without_a_deadline_shows_none(infra: Infra) -> None:
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, token = await submit_routed(system, infra.kafka_bootstrap_servers)
        nothing = dict.fromkeys(DELAY_FIELDS) | {"paused": False, "overdue": False}
        assert _delay(await _view(system, code)) == nothing
        private = await system.intake.get(f"/v1/requests/{code}/private", headers=citizen(token))
        assert _delay(private.json()) == nothing


async def test_the_latest_generation_wins_however_the_generations_arrive(infra: Infra) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, token = await submit_routed(system, bootstrap)
        now = utc_now()
        due = {n: now + timedelta(days=d) for n, d in ((1, 1), (2, 5), (3, 3))}
        first_response = now + timedelta(hours=4)
        generations = {
            n: deadline_set(
                code,
                generation=n,
                resolution_due_at=due[n],
                first_response_due_at=first_response if n == 3 else None,
            )
            for n in due
        }
        expected = {
            "due_at": _as_shown(due[3]),
            "first_response_due_at": _as_shown(first_response),
            "paused": False,
            "overdue": False,
            "overdue_by_seconds": None,
        }
        # 3 overtakes 2, which is missing for now; then 2 arrives late, 3 and 1 again. A
        # case change after them on the same key says when intake has applied them.
        await apply(
            system,
            bootstrap,
            [generations[1], generations[3], case_changed(code, version=2, to_state="assigned")],
        )
        assert await _shown_delay(system, code, token) == [expected, expected]
        await apply(
            system,
            bootstrap,
            [
                *(generations[n] for n in (2, 3, 1)),
                case_changed(code, version=3, to_state="in_progress", from_state="assigned"),
            ],
        )
        assert await _shown_delay(system, code, token) == [expected, expected]
        stored = await system.intake_db["deadlines"].find({"request_id": code}).to_list()
        assert sorted((d["_id"], d["kind"]) for d in stored) == [
            (f"{code}:1", "generation"),
            (f"{code}:2", "superseded"),  # the late generation 2 never won
            (f"{code}:3", "generation"),
        ]


async def test_a_paused_request_shows_paused_and_no_due_time(infra: Infra) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, _ = await submit_routed(system, bootstrap)
        now = utc_now()
        await apply(
            system,
            bootstrap,
            [
                deadline_set(code, generation=1, resolution_due_at=now + timedelta(days=2)),
                deadline_set(code, generation=2, resolution_due_at=None, paused=True),
                case_changed(code, version=2, to_state="awaiting_citizen"),
            ],
        )
        view = await _view(system, code)
        assert view["status"] == "awaiting_citizen"
        assert _delay(view) == {
            "due_at": None,
            "first_response_due_at": None,
            "paused": True,
            "overdue": False,
            "overdue_by_seconds": None,
        }


async def test_a_breached_request_is_overdue_by_a_growing_delay(infra: Infra) -> None:
    """With the status cache on (its default one-second TTL): the delay is computed when
    the view is built, so a cached view is never older than the TTL."""
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(infra, with_routing=False) as system:
        code, _ = await submit_routed(system, bootstrap)
        due = utc_now() - timedelta(seconds=30)
        await apply(
            system,
            bootstrap,
            [
                deadline_set(code, generation=1, resolution_due_at=due),
                sla_breached(code, due_at=due),
                case_changed(code, version=2, to_state="in_progress"),
            ],
        )

        async def in_progress() -> dict[str, Any] | None:
            view = await _view(system, code)
            return view if view["status"] == "in_progress" else None

        first = await eventually(in_progress, within=5, interval=0.05, what="the change shown")
        assert first["overdue"] is True
        assert _shown_time(first["due_at"]) == _as_shown(due)
        assert first["overdue_by_seconds"] >= 30

        async def grown() -> dict[str, Any] | None:
            view = await _view(system, code)
            return view if view["overdue_by_seconds"] > first["overdue_by_seconds"] else None

        later = await eventually(grown, within=3, interval=0.1, what="the delay growing")
        assert later["overdue"] is True


async def test_an_escalation_enters_the_timeline_once_without_staff_fields(
    infra: Infra,
) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, token = await submit_routed(system, bootstrap)
        escalated = case_escalated(code, version=2, level=2, role="dept_admin")
        await apply(system, bootstrap, [escalated, escalated])  # delivered twice
        await apply(system, bootstrap, [case_changed(code, version=3, to_state="in_progress")])

        response = await system.intake.get(f"/v1/requests/{code}")
        escalations = [e for e in response.json()["timeline"] if e["escalation"]]
        assert escalations == [
            {
                "status": "routed",
                "at": escalations[0]["at"],
                "detail": "Overdue: escalated to the head of Water and Sanitation Agency "
                "Lahore (level 2)",
                "escalation": {"level": 2, "role": "head_of_department"},
            }
        ]
        private = await system.intake.get(f"/v1/requests/{code}/private", headers=citizen(token))
        assert [e for e in private.json()["timeline"] if e["escalation"]] == escalations
        entries = await system.intake_db["timeline"].find({"request_id": code}).to_list()
        assert sorted(e["_id"] for e in entries) == [f"{code}:{v}" for v in (1, 2, 3)]
        stored = json.dumps(entries, default=str)
        for canary in STAFF_CANARIES:
            assert canary not in response.text, canary
            assert canary not in private.text, canary
            assert canary not in stored, canary
