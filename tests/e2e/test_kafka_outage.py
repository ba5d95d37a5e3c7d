"""Guarantee 1: a 201 given while Kafka is down is still delivered once Kafka is back."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic, routed_records_per_request
from tests.support.requests import routed_view, water_request
from tests.support.system import System, running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

SUBMISSIONS = 50


async def _all_routed(system: System, codes: list[str]) -> bool:
    views = await asyncio.gather(*(routed_view(system.intake, code) for code in codes))
    return all(views)


async def test_requests_accepted_while_kafka_is_down_are_routed_exactly_once(infra: Infra) -> None:
    async with running_system(infra) as system:
        warm_up = await system.intake.post("/v1/requests", json=water_request())
        await eventually(
            lambda: routed_view(system.intake, warm_up.json()["tracking_code"]),
            within=60,
            what="warm-up request routed",
        )

        await infra.stop_kafka()
        try:
            responses = [
                await system.intake.post(
                    "/v1/requests", json=water_request(description=f"Outage report {n}")
                )
                for n in range(SUBMISSIONS)
            ]
            assert [r.status_code for r in responses] == [201] * SUBMISSIONS
            codes = [r.json()["tracking_code"] for r in responses]
            assert await system.intake_db["outbox"].count_documents({}) == SUBMISSIONS
        finally:
            await infra.start_kafka()

        await eventually(
            lambda: _all_routed(system, codes), within=180, interval=0.5, what="all 50 routed"
        )
        assert await system.routing_db["cases"].count_documents({"_id": {"$in": codes}}) == 50
        for code in codes:
            stored = await system.intake_db["requests"].find_one({"_id": code})
            assert stored is not None
            entries = await system.intake_db["timeline"].find({"request_id": code}).to_list()
            statuses = [entry["status"] for entry in stored["timeline"].values()]
            assert statuses + [e["status"] for e in entries] == ["submitted", "routed"], code
        await eventually(lambda: _outbox_empty(system), within=30, what="outbox drained")

        events = await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
        routed = routed_records_per_request(events)
        assert [routed[code] for code in codes] == [1] * SUBMISSIONS  # records, not ids


async def _outbox_empty(system: System) -> bool:
    return await system.intake_db["outbox"].count_documents({}) == 0
