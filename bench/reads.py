"""Closed-loop GETs: `concurrency` clients, each sending its next GET when the last answers."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass

import aiohttp

from bench.stats import Rate, percentile


@dataclass(frozen=True)
class GetResult:
    rate: Rate
    latencies: list[float]
    errors: int

    def summary(self) -> dict[str, float]:
        return {
            "per_s": round(self.rate.per_second),
            "p50_ms": round(percentile(self.latencies, 0.50) * 1000, 1),
            "p99_ms": round(percentile(self.latencies, 0.99) * 1000, 1),
            "errors": self.errors,
        }


async def get_loop(url: str, paths: list[str], *, concurrency: int, seconds: float) -> GetResult:
    """GETs of `paths` in turn for `seconds` (after a one-second warm-up that is not counted)."""
    cycle = itertools.cycle(paths)
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(url, connector=connector) as session:

        async def client(until: float, record: bool) -> None:
            nonlocal errors
            while time.perf_counter() < until:
                started = time.perf_counter()
                async with session.get(next(cycle)) as response:
                    await response.read()
                    ok = response.status == 200
                if record:
                    latencies.append(time.perf_counter() - started)
                    errors += not ok

        await asyncio.gather(*(client(time.perf_counter() + 1, False) for _ in range(concurrency)))
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(client(until, True) for _ in range(concurrency)))
        return GetResult(Rate(len(latencies), time.perf_counter() - started), latencies, errors)
