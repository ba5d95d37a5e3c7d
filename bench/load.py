"""Load against the running services: closed-loop throughput and open-loop latency.

The client is aiohttp: httpx, with dozens of requests in flight, spent more CPU than the
service it measured. Latency is submit-to-routed: from sending the POST to the moment the
routed event for that tracking code is read back from the lifecycle topic by a watcher.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping

import aiohttp
from aiokafka import AIOKafkaConsumer

from bench.stats import Rate

BODY = {
    "category": "water.no_supply",
    "description": "No water in our street since Monday morning",
    "location": {"lat": 31.52, "lon": 74.35, "address": "Street 4", "district": "Lahore"},
    "contact": {"name": "Bench Citizen", "phone": "+923001234567", "language": "en"},
    "channel": "web",
}


class RoutedWatcher:
    """Records when each request's routed event reaches the lifecycle topic."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self._consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="latest"
        )
        self.routed_at: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        await self._consumer.seek_to_end()
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            batch = await self._consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    event = json.loads(record.value)
                    if event["type"].startswith("org.nigrani.request.routed"):
                        self.routed_at.setdefault(event["subject"], now)

    async def wait_for(self, codes: list[str], within: float) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:  # the watcher task fills routed_at
            if all(code in self.routed_at for code in codes):
                return
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self._consumer.stop()


async def post_request(session: aiohttp.ClientSession, body: Mapping[str, object] = BODY) -> str:
    """One submission; its tracking code."""
    async with session.post("/v1/requests", json=body) as response:
        response.raise_for_status()
        accepted = await response.json()
        return str(accepted["tracking_code"])


async def closed_loop(
    url: str, *, requests: int, concurrency: int, body: Mapping[str, object] = BODY
) -> tuple[Rate, list[str]]:
    """As fast as intake accepts: `concurrency` clients, each posting back to back."""
    codes: list[str] = []
    remaining = iter(range(requests))
    async with aiohttp.ClientSession(url) as session:

        async def client_loop() -> None:
            for _ in remaining:
                codes.append(await post_request(session, body))

        started = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        return Rate(len(codes), time.perf_counter() - started), codes


async def open_loop(
    url: str, watcher: RoutedWatcher, *, rate: float, seconds: float
) -> list[float]:
    """A fixed offered load: one POST every 1/rate seconds, whatever the answers do."""
    sent_at: dict[str, float] = {}
    async with aiohttp.ClientSession(url) as session:

        async def submit() -> None:
            started = time.perf_counter()
            sent_at[await post_request(session)] = started

        tasks = []
        begin = time.perf_counter()
        for n in range(int(rate * seconds)):
            delay = begin + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(submit()))
        await asyncio.gather(*tasks)
    await watcher.wait_for(list(sent_at), within=60)
    return [watcher.routed_at[c] - t for c, t in sent_at.items() if c in watcher.routed_at]
