"""Guarantees 1, 3 and 5 with replicas: two intake and two routing processes under load,
one of each killed with SIGKILL halfway. Every accepted request is stored once, has
exactly one case and shows as routed; citizens whose replica died retry on the other
with their key and get the same tracking code."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic, routed_records_per_request
from tests.support.processes import ServiceProcess, service_environment, service_process
from tests.support.requests import routed_view, water_request
from tests.support.waiting import eventually, holds

pytestmark = pytest.mark.integration

SUBMISSIONS = 160
KILL_AFTER = 60
CITIZENS = 4
MAX_TRIES = 20


def _environment(infra: Infra, prefix: str) -> dict[str, str]:
    return {
        **service_environment(infra, prefix),
        "SECRET_KEY": f"replica-test-secret-{prefix}",
        "RATE_LIMIT_SUBMIT": "0",
        "RATE_LIMIT_LOOKUP": "0",
    }


async def _start(
    stack: AsyncExitStack, infra: Infra, prefix: str, log_dir: Path
) -> dict[str, ServiceProcess]:
    env = _environment(infra, prefix)
    started = {}
    for name in ("routing-a", "routing-b", "intake-a", "intake-b"):
        started[name] = await stack.enter_async_context(
            service_process(name.split("-")[0], env, log_dir, ready_path="/readyz", name=name)
        )
    return started


async def test_killing_one_replica_of_each_service_loses_nothing(
    infra: Infra, tmp_path: Path
) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    async with AsyncExitStack() as stack:
        services = await _start(stack, infra, prefix, tmp_path)
        intakes = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=services[n].url))
            for n in ("intake-a", "intake-b")
        ]
        dead: set[int] = set()
        codes: dict[str, str] = {}
        answers: Counter[int | str] = Counter()
        keys = [str(uuid.uuid4()) for _ in range(SUBMISSIONS)]
        queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        for n, key in enumerate(keys):
            queue.put_nowait((n, key))

        async def submit(n: int, key: str) -> None:
            """A citizen: retries with the same key, on the other replica if need be."""
            for attempt in range(MAX_TRIES):
                replica = (n + attempt) % 2
                if replica in dead:
                    continue
                try:
                    response = await intakes[replica].post(
                        "/v1/requests", json=water_request(), headers={"Idempotency-Key": key}
                    )
                except httpx.TransportError:
                    answers["connection lost"] += 1
                    continue
                answers[response.status_code] += 1
                if response.status_code == 201:
                    codes[key] = response.json()["tracking_code"]
                    return
                await asyncio.sleep(0.2)
            raise AssertionError(f"no 201 after {MAX_TRIES} tries")

        async def citizen() -> None:
            while not queue.empty():
                await submit(*queue.get_nowait())

        load = [asyncio.create_task(citizen()) for _ in range(CITIZENS)]
        await eventually(holds(lambda: len(codes) >= KILL_AFTER), within=120, what="half load")
        await services["intake-b"].kill()
        dead.add(1)
        await services["routing-b"].kill()
        await asyncio.gather(*load)

        assert set(answers) <= {201, 503, "connection lost"}, answers
        assert len(codes) == SUBMISSIONS
        mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(infra.mongodb_uri)
        stack.push_async_callback(mongo.close)
        cases = mongo[f"{prefix}_routing"]["cases"]
        wanted = set(codes.values())

        async def all_cases() -> bool:
            stored = {c["_id"] async for c in cases.find({}, {"_id": 1})}
            return wanted <= stored

        await eventually(all_cases, within=180, interval=1, what="a case for every request")
        assert await cases.count_documents({}) == SUBMISSIONS
        assert await mongo[f"{prefix}_intake"]["requests"].count_documents({}) == SUBMISSIONS

        # Every request reached the citizen's view as routed, through the surviving intake.
        # A case is stored before its routed event is announced and applied by intake, so
        # the view lags the case by a moment (longer while the killed intake's partitions
        # move to the survivor).
        async def all_routed() -> bool:
            views = await asyncio.gather(*(routed_view(intakes[0], code) for code in wanted))
            return all(views)

        await eventually(all_routed, within=120, interval=0.5, what="every request routed")
        routed = routed_records_per_request(
            await events_on_topic(infra.kafka_bootstrap_servers, f"{prefix}.requests.lifecycle")
        )
        assert all(routed[code] >= 1 for code in wanted)
        # A routing process killed between storing a change and Kafka's ack announces the
        # same event again on redelivery (same id); say how often that happened.
        print(f"routed records repeated: {sum(routed[c] - 1 for c in wanted)}")
