"""A gateway's pace: a full bucket's burst at once, then one send per 1/rate seconds."""

from __future__ import annotations

import asyncio

from nigrani_notify.pacing import TokenBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_the_bucket_allows_its_burst_then_the_rate() -> None:
    time = FakeTime()
    bucket = TokenBucket(5, clock=time.clock, sleep=time.sleep)
    moments = []
    for _ in range(15):
        await bucket.take()
        moments.append(round(time.now, 6))
    assert moments[:5] == [0.0] * 5  # the burst: a second's worth
    assert moments[5:] == [round(0.2 * n, 6) for n in range(1, 11)]


async def test_an_idle_bucket_refills_only_up_to_its_capacity() -> None:
    time = FakeTime()
    bucket = TokenBucket(2, clock=time.clock, sleep=time.sleep)
    await asyncio.gather(*(bucket.take() for _ in range(2)))
    time.now += 3600  # an idle hour
    for _ in range(2):
        await bucket.take()
    assert time.now == 3600  # two at once
    await bucket.take()
    assert time.now == 3600.5  # the third waits for the rate
