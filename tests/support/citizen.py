"""Helpers for tests of the citizen's follow-up: a submitted request, lifecycle events
applied to intake's read model, and the citizen's actions."""

from __future__ import annotations

from typing import Any

import httpx
from nigrani_shared.events import CaseChanged, EventEnvelope

from tests.support.events import routed
from tests.support.kafka import send_events
from tests.support.requests import water_request
from tests.support.system import System
from tests.support.waiting import eventually

#: The read model is checked right after events are applied: no cached view in between.
NO_STATUS_CACHE = {"status_cache_ttl_seconds": 0}


async def submit(system: System) -> tuple[str, str]:
    """A stored request: its tracking code and citizen token."""
    response = await system.intake.post("/v1/requests", json=water_request())
    assert response.status_code == 201, response.text
    return response.json()["tracking_code"], response.json()["citizen_token"]


async def apply(system: System, bootstrap: str, events: list[EventEnvelope]) -> None:
    """Puts the events on the lifecycle topic (one key, so in order) and waits until intake
    has applied the last of them."""
    await send_events(bootstrap, system.topic, events)
    last = events[-1]

    async def applied() -> bool:
        entry = await system.intake_db["timeline"].find_one({"_id": timeline_id(last)})
        return entry is not None

    await eventually(applied, within=60, what=f"event {last.type} applied")


def timeline_id(event: EventEnvelope) -> str:
    """The `_id` of the timeline entry an event makes: its request and case version
    (request.routed is version 1)."""
    data = event.data
    version = data.case_version if isinstance(data, CaseChanged) else 1
    return f"{event.subject}:{version}"


async def submit_routed(system: System, bootstrap: str) -> tuple[str, str]:
    code, token = await submit(system)
    await apply(system, bootstrap, [routed(code)])
    return code, token


def citizen(token: str, key: str | None = None) -> dict[str, str]:
    headers = {"X-Citizen-Token": token}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


async def act(
    client: httpx.AsyncClient,
    code: str,
    path: str,
    token: str,
    *,
    key: str | None = None,
    text: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {} if text is None else {"text": text}
    return await client.post(f"/v1/requests/{code}/{path}", json=body, headers=citizen(token, key))
