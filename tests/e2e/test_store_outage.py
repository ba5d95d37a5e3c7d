"""Guarantee 1 when the store fails: a 503 tells the truth (the outcome is unknown, retry
with this key), a retry never makes a second request, and nothing answered 201 is lost
when the store freezes and is then killed in the middle of submissions."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter

import httpx
import pytest

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic, routed_records_per_request
from tests.support.requests import routed_view, water_request
from tests.support.system import System, running_system
from tests.support.waiting import eventually, holds

pytestmark = pytest.mark.integration

SHORT_STORE_TIMEOUT = {"store_timeout_seconds": 1.5}
CLIENTS = 4


async def _submit(system: System, key: str | None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await system.intake.post("/v1/requests", json=water_request(), headers=headers)


async def _all_routed(system: System, codes: list[str]) -> bool:
    views = await asyncio.gather(*(routed_view(system.intake, code) for code in codes))
    return all(views)


async def test_a_503_from_a_frozen_store_gives_the_key_whose_retry_makes_one_request(
    infra: Infra,
) -> None:
    async with running_system(infra, intake_overrides=SHORT_STORE_TIMEOUT) as system:
        warm_up = await _submit(system, None)
        assert warm_up.status_code == 201
        client_key = str(uuid.uuid4())

        infra.freeze_store()
        try:
            without_key = await _submit(system, None)
            with_key = await _submit(system, client_key)
            # The warm-up's cached view has expired by now: a look-up waits for the store
            # no longer than a submission does.
            looked_up = await system.intake.get(f"/v1/requests/{warm_up.json()['tracking_code']}")
        finally:
            infra.thaw_store()

        assert looked_up.status_code == 503
        assert looked_up.json()["detail"] == "temporarily unavailable; retry shortly"

        for response in (without_key, with_key):
            assert response.status_code == 503
            body = response.json()
            assert "cannot tell whether your request was stored" in body["detail"]
            assert body["idempotency_key"] == response.headers["Idempotency-Key"]
            assert response.headers["Retry-After"]
        assert with_key.json()["idempotency_key"] == client_key
        server_key = without_key.json()["idempotency_key"]
        assert len(server_key) >= 16  # the server's own key, given so the citizen can retry

        retries = [await _submit(system, key) for key in (server_key, client_key)]
        assert [r.status_code for r in retries] == [201, 201]
        codes = [r.json()["tracking_code"] for r in retries]
        for code in codes:
            assert await system.intake_db["requests"].count_documents({"_id": code}) == 1
        # One request per key, whether the frozen write landed after the 503 or not.
        assert await system.intake_db["requests"].count_documents({}) == 3
        await eventually(lambda: _all_routed(system, codes), within=120, what="retries routed")


async def test_nothing_acknowledged_is_lost_when_the_store_freezes_then_dies(
    infra: Infra,
) -> None:
    async with running_system(infra, intake_overrides=SHORT_STORE_TIMEOUT) as system:
        answers: dict[str, list[int]] = {}
        codes: dict[str, str] = {}
        stop = asyncio.Event()

        async def citizen() -> None:
            while not stop.is_set():
                key = str(uuid.uuid4())
                response = await _submit(system, key)
                answers[key] = [response.status_code]
                if response.status_code == 201:
                    codes[key] = response.json()["tracking_code"]

        citizens = [asyncio.create_task(citizen()) for _ in range(CLIENTS)]
        try:
            await eventually(holds(lambda: len(codes) >= 20), within=60, what="a first load")
            infra.freeze_store()
            await asyncio.sleep(3)  # the outage itself: requests pile up and time out
            await infra.kill_store()
            await infra.start_store_again()
            acknowledged = len(codes)
            await eventually(
                holds(lambda: len(codes) >= acknowledged + 20), within=90, what="recovery"
            )
        finally:
            stop.set()
            with contextlib.suppress(Exception):
                infra.thaw_store()
            await asyncio.gather(*citizens)

        statuses = Counter(status for history in answers.values() for status in history)
        assert set(statuses) <= {201, 503}, statuses  # never a 500
        assert statuses[503] > 0, "the outage was not felt: the test proved nothing"
        # Each citizen who got a 503 retries with the key the answer gave.
        for key, history in answers.items():
            if history[0] == 503:
                retry = await _submit(system, key)
                assert retry.status_code == 201
                codes[key] = retry.json()["tracking_code"]

        assert len(set(codes.values())) == len(answers)
        stored = await system.intake_db["requests"].count_documents({})
        assert stored == len(answers)  # no request lost, none made twice
        all_codes = list(codes.values())
        await eventually(
            lambda: _all_routed(system, all_codes), within=180, interval=1, what="all routed"
        )
        routed = routed_records_per_request(
            await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
        )
        assert {routed[code] for code in all_codes} == {1}
