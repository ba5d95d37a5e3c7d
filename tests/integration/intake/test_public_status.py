"""The public status is cached, but a routed request shows as routed within the cache's TTL."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.infra import Infra
from tests.support.requests import public_status, routed_view, water_request
from tests.support.system import running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

TTL_SECONDS = 3  # longer than the default so that "within the TTL" means something
SCHEDULING_SLACK_S = 0.5


async def test_a_routed_status_is_visible_within_the_ttl(
    infra: Infra, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATUS_CACHE_TTL_SECONDS", str(TTL_SECONDS))
    async with running_system(infra) as system:
        response = await system.intake.post("/v1/requests", json=water_request())
        assert response.status_code == 201, response.text
        code = response.json()["tracking_code"]

        first = await system.intake.get(f"/v1/requests/{code}")  # now cached
        assert first.status_code == 200
        assert first.headers["cache-control"] == f"max-age={TTL_SECONDS}"

        async def stored_as_routed() -> dict[str, Any] | None:
            return await system.intake_db["timeline"].find_one({"_id": f"{code}:1"})

        await eventually(stored_as_routed, within=60, interval=0.02, what="routed in the store")
        stored_at = time.monotonic()

        view = await eventually(
            lambda: routed_view(system.intake, code),
            within=TTL_SECONDS + SCHEDULING_SLACK_S,
            interval=0.05,
            what="the routed status served publicly within the TTL",
        )
        assert time.monotonic() - stored_at <= TTL_SECONDS + SCHEDULING_SLACK_S
        assert view["department"] is not None
        assert await public_status(system.intake, code) == view  # now the cached view
