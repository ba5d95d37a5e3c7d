"""Two intake replicas on one outbox: each publishes what its own endpoint wrote, so a
submission reaches the topic once, not once per replica."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic
from tests.support.requests import routed_view, water_request
from tests.support.system import client_at, intake_replica, running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

SUBMISSIONS = 120
IN_FLIGHT = 8


async def test_two_replicas_publish_each_submission_once(infra: Infra) -> None:
    # A long grace: this tests which replica owns an entry, not the takeover, and a loaded
    # machine must not make the other replica's takeover look like a duplicate.
    async with (
        running_system(infra, intake_overrides={"relay_foreign_grace_seconds": 60}) as system,
        intake_replica(system) as replica_app,
        client_at(replica_app, "127.0.0.2") as replica,
    ):
        clients = [system.intake, replica]
        limit = asyncio.Semaphore(IN_FLIGHT)

        async def submit(n: int) -> str:
            async with limit:
                response = await clients[n % 2].post(
                    "/v1/requests", json=water_request(description=f"Replica report {n}")
                )
            assert response.status_code == 201
            code: str = response.json()["tracking_code"]
            return code

        codes = await asyncio.gather(*(submit(n) for n in range(SUBMISSIONS)))

        async def all_routed() -> bool:
            views = await asyncio.gather(*(routed_view(system.intake, c) for c in codes))
            return all(views)

        await eventually(all_routed, within=120, interval=0.5, what="every submission routed")
        events = await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
        submitted = Counter(e["subject"] for e in events if ".request.submitted." in e["type"])
        assert {submitted[code] for code in codes} == {1}, submitted.most_common(3)
