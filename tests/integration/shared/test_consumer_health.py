"""A consumer loop that really crashes: /readyz fails while it is down and recovers when it
is restarted; /healthz fails once it cannot recover. And stop() stays bounded while the
broker is down."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from nigrani_shared.events import EventEnvelope
from nigrani_shared.kafka.background import RestartPolicy
from nigrani_shared.kafka.retry import Backoff
from nigrani_shared.web import health

from tests.support.consumer import Running, new_name, running_consumer
from tests.support.events import routed
from tests.support.infra import Infra
from tests.support.kafka import send_events
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


class BrokenStore:
    """A ProcessedEvents with a bug (not an outage) while `broken` is set: the error escapes
    the handler's retries and crashes the consumer loop."""

    def __init__(self) -> None:
        self.broken = False

    async def already_applied(self, event_id: str) -> bool:
        if self.broken:
            raise RuntimeError("processed-events bug")
        return False

    async def record(self, event_id: str) -> None:
        return None


def _app(running: Running) -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(health.router)
    consumer = running.consumer
    app.state.readiness_checks = {
        "consumer": health.Probe(ready=consumer.ready, alive=consumer.alive)
    }
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


def _status(client: httpx.AsyncClient, path: str, status: int) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return (await client.get(path)).status_code == status

    return probe


async def test_a_crashed_loop_is_restarted_readyz_follows_and_healthz_fails_when_hopeless(
    infra: Infra,
) -> None:
    store = BrokenStore()
    applied: list[str] = []

    async def handler(envelope: EventEnvelope) -> None:
        applied.append(envelope.subject)

    policy = RestartPolicy(
        max_restarts=3, max_down_seconds=300, backoff=Backoff(initial_seconds=0.2, max_seconds=1)
    )
    name = new_name()
    async with (
        running_consumer(infra, name=name, handler=handler, processed=store, policy=policy) as r,
        _app(r) as client,
    ):
        await eventually(_status(client, "/readyz", 200), within=60, what="ready once joined")
        assert r.runtime.joined

        store.broken = True
        await send_events(infra.kafka_bootstrap_servers, r.topic, [routed("CRAS-HOFT-HE01")])
        await eventually(_status(client, "/readyz", 503), within=30, what="not ready when down")
        assert (await client.get("/healthz")).status_code == 200  # it may still recover

        await eventually(_status(client, "/healthz", 503), within=60, what="given up on")
        body = (await client.get("/healthz")).json()
        assert body == {"status": "unhealthy", "checks": {"consumer": False}}

        store.broken = False  # the restarts go on: once it works, both recover
        await eventually(_status(client, "/readyz", 200), within=60, what="ready again")
        await eventually(_status(client, "/healthz", 200), within=30, what="alive again")
        assert applied == ["CRAS-HOFT-HE01"]


async def test_stop_returns_within_its_bound_while_the_broker_is_down(infra: Infra) -> None:
    """The broker goes down while an event is in hand: its effect is stored, but the final
    commit and the group leave cannot reach Kafka. stop() still returns within its bound."""
    in_hand = asyncio.Event()
    applied: list[str] = []

    async def handler(envelope: EventEnvelope) -> None:
        in_hand.set()
        await asyncio.sleep(1.5)
        applied.append(envelope.subject)

    grace, close = 3.0, 2.0
    async with running_consumer(
        infra,
        name=new_name(),
        handler=handler,
        stop_grace_seconds=grace,
        close_timeout_seconds=close,
    ) as running:
        await send_events(infra.kafka_bootstrap_servers, running.topic, [routed("STOP-DOWN-0001")])
        await asyncio.wait_for(in_hand.wait(), 60)
        try:
            await infra.stop_kafka()
            started = time.monotonic()
            await running.consumer.stop()
            elapsed = time.monotonic() - started
        finally:
            await infra.start_kafka()
    # in flight (grace) + final commit (close) + leaving the group (close), and a margin
    assert elapsed < grace + 2 * close + 3, f"stop took {elapsed:.1f} s"
    assert applied == ["STOP-DOWN-0001"]  # the event in hand was finished, not dropped
    assert not running.runtime.running
