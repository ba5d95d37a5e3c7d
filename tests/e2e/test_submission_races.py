"""Guarantee 1 under interleavings: no order of the endpoint, a same-key retry and the
outbox relay can drop the outbox entry of a stored request before Kafka acknowledged it,
and a first acceptance is never reported as a replay.

The dangerous orders are forced with the submission service's between-writes hook (the
endpoint is paused after its outbox entry and before its request document), with Kafka
stopped during the race so that nothing is published before the damage could be done.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable

import httpx
import pytest
from prometheus_client import REGISTRY

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic, routed_records_per_request
from tests.support.requests import routed_view, water_request
from tests.support.system import System, running_system
from tests.support.waiting import eventually, holds

pytestmark = pytest.mark.integration

SAME_KEY_PAIRS = 40
SLOW_STORE = {"store_timeout_seconds": 60.0}  # the hook's pause must not read as an outage


def _metric(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def _submitted_total() -> float:
    labels = {"category": "water.no_supply", "channel": "web"}
    return _metric("nigrani_requests_submitted_total", labels)


def _replayed(response: httpx.Response) -> bool:
    return response.headers.get("Idempotent-Replayed") == "true"


async def _post(system: System, key: str) -> httpx.Response:
    return await system.intake.post(
        "/v1/requests", json=water_request(), headers={"Idempotency-Key": key}
    )


async def _routed_exactly_once(infra: Infra, system: System, code: str) -> None:
    """After Kafka is back: routed, outbox drained, and one routed record on the topic."""
    await eventually(lambda: routed_view(system.intake, code), within=120, what="routed")
    await eventually(
        lambda: _outbox_empty(system), within=30, what="outbox drained after publishing"
    )
    events = await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
    assert routed_records_per_request(events)[code] == 1
    submitted = [e for e in events if e["subject"] == code and ".submitted." in e["type"]]
    assert len(submitted) == 1


async def _outbox_empty(system: System) -> bool:
    return await system.intake_db["outbox"].count_documents({}) == 0


async def _with_kafka_stopped(infra: Infra, race: Awaitable[None]) -> None:
    await infra.stop_kafka()
    try:
        await race
    finally:
        await infra.start_kafka()


async def test_a_same_key_retry_between_the_two_writes_loses_nothing(infra: Infra) -> None:
    """Interleaving (a): the first POST writes the entry and stalls; a retry with the same
    key completes; then the first one finishes. Before the fix the first call deleted the
    entry (the request existed "already"), and the request was never published."""
    async with running_system(infra, intake_overrides=SLOW_STORE) as system:
        key = str(uuid.uuid4())
        first_stalled, release_first = asyncio.Event(), asyncio.Event()

        async def stall_the_first_call(code: str) -> None:
            if not first_stalled.is_set():
                first_stalled.set()
                await release_first.wait()

        system.submissions.between_writes = stall_the_first_call
        counted_before = _submitted_total()
        responses: list[httpx.Response] = []

        async def race() -> None:
            first = asyncio.create_task(_post(system, key))
            await first_stalled.wait()
            responses.append(await _post(system, key))  # the retry, all the way through
            release_first.set()
            responses.insert(0, await first)
            assert await system.intake_db["outbox"].count_documents({}) == 1

        await _with_kafka_stopped(infra, race())
        first, retry = responses
        assert (first.status_code, retry.status_code) == (201, 201)
        assert first.json() == retry.json()
        assert not _replayed(first)  # it made the request...
        assert _replayed(retry)  # ...and the retry is told so
        await _routed_exactly_once(infra, system, first.json()["tracking_code"])
        assert _submitted_total() - counted_before == 1


async def test_the_relay_deriving_between_the_two_writes_loses_nothing(infra: Infra) -> None:
    """Interleaving (b): the endpoint writes the entry and stalls; the relay derives the
    request from it and fails to publish (Kafka is down); then the endpoint finishes.
    Before the fix the endpoint deleted the entry and answered as a replay."""
    async with running_system(infra, intake_overrides=SLOW_STORE) as system:
        stalled, release = asyncio.Event(), asyncio.Event()
        codes: list[str] = []

        async def stall(code: str) -> None:
            codes.append(code)
            stalled.set()
            await release.wait()

        system.submissions.between_writes = stall
        counted_before = _submitted_total()
        responses: list[httpx.Response] = []

        async def race() -> None:
            endpoint = asyncio.create_task(_post(system, str(uuid.uuid4())))
            await stalled.wait()
            requests = system.intake_db["requests"]

            async def derived_by_the_relay() -> bool:
                return await requests.find_one({"_id": codes[0]}) is not None

            await eventually(derived_by_the_relay, within=30, what="the relay derived it")
            failures = _metric("nigrani_outbox_publish_failures_total")
            await eventually(
                holds(lambda: _metric("nigrani_outbox_publish_failures_total") > failures),
                within=30,
                what="a relay round that failed to publish",
            )
            release.set()
            responses.append(await endpoint)
            assert await system.intake_db["outbox"].count_documents({}) == 1

        await _with_kafka_stopped(infra, race())
        (response,) = responses
        assert response.status_code == 201
        assert not _replayed(response)  # a first submission is never reported as a replay
        await _routed_exactly_once(infra, system, response.json()["tracking_code"])
        assert _submitted_total() - counted_before == 1  # the relay counted it, once


async def test_concurrent_same_key_pairs_are_each_one_request_routed_once(infra: Infra) -> None:
    """The load version: pairs of simultaneous POSTs with one key, nothing forced."""
    async with running_system(infra) as system:
        counted_before = _submitted_total()
        keys = [str(uuid.uuid4()) for _ in range(SAME_KEY_PAIRS)]
        pairs = await asyncio.gather(
            *(asyncio.gather(_post(system, key), _post(system, key)) for key in keys)
        )
        codes = []
        for one, other in pairs:
            assert (one.status_code, other.status_code) == (201, 201)
            assert one.json() == other.json()
            assert sorted([_replayed(one), _replayed(other)]) == [False, True]
            codes.append(one.json()["tracking_code"])
        assert len(set(codes)) == SAME_KEY_PAIRS
        assert _submitted_total() - counted_before == SAME_KEY_PAIRS

        async def all_routed() -> bool:
            views = await asyncio.gather(*(routed_view(system.intake, c) for c in codes))
            return all(views)

        await eventually(all_routed, within=120, interval=0.5, what="every pair routed")
        await eventually(lambda: _outbox_empty(system), within=30, what="outbox drained")
        routed = routed_records_per_request(
            await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
        )
        assert [routed[code] for code in codes] == [1] * SAME_KEY_PAIRS
