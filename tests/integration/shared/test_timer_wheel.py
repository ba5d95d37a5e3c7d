"""Durable second timers on the real store: due order, once per sweeper, a restart that
resumes where the last sweep closed, and a writer that lands behind the cursor."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
from nigrani_shared.clock import utc_now
from nigrani_shared.timer_wheel import Timer, TimerWheel
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from tests.support.infra import Infra

pytestmark = pytest.mark.integration

Document = dict[str, Any]
SETTLE = timedelta(seconds=5)


@pytest.fixture
async def collection(infra: Infra) -> AsyncIterator[AsyncCollection[Document]]:
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    try:
        yield mongo[f"t{uuid.uuid4().hex[:10]}_wheel"]["timers"]
    finally:
        await mongo.close()


class Recorder:
    def __init__(self) -> None:
        self.keys: list[str] = []

    async def __call__(self, timers: Sequence[Timer]) -> None:
        self.keys.extend(timer.key for timer in timers)


async def test_timers_fire_in_due_order_once_each_and_not_before_due(
    collection: AsyncCollection[Document],
) -> None:
    wheel = TimerWheel(collection, "w", settle=SETTLE)
    start = utc_now().replace(microsecond=0) + timedelta(seconds=2)
    for offset, key in ((3.5, "d"), (1.2, "b"), (0.1, "a"), (1.7, "c"), (3.9, "e")):
        await wheel.schedule(key, start + timedelta(seconds=offset), {"n": key})
    fired = Recorder()
    await wheel.sweep(fired, now=start)
    assert fired.keys == []
    await wheel.sweep(fired, now=start + timedelta(seconds=1.5))
    assert fired.keys == ["a", "b"]  # "c", due later in the same second, waits
    await wheel.sweep(fired, now=start + timedelta(seconds=1.8))
    assert fired.keys == ["a", "b", "c"]
    for later in (4, 30, 90):  # open buckets read again, then closed: nothing twice
        await wheel.sweep(fired, now=start + timedelta(seconds=later))
    assert fired.keys == ["a", "b", "c", "d", "e"]


async def test_a_restarted_sweeper_fires_what_fell_due_while_down_in_due_order(
    collection: AsyncCollection[Document],
) -> None:
    first = TimerWheel(collection, "w", settle=SETTLE)
    now = utc_now()
    fired_before = Recorder()
    await first.schedule("early", now + timedelta(seconds=1))
    await first.sweep(fired_before, now=now + timedelta(seconds=10))
    assert fired_before.keys == ["early"]
    # Down from here: timers fall due over several minutes, scheduled by other writers.
    writer = TimerWheel(collection, "w", settle=SETTLE)
    dues = {f"t{n}": now + timedelta(seconds=20 + 37 * n) for n in range(8)}
    for key in reversed(list(dues)):
        await writer.schedule(key, dues[key])
    restarted = TimerWheel(collection, "w", settle=SETTLE)
    fired = Recorder()
    await restarted.sweep(fired, now=now + timedelta(minutes=10))
    assert fired.keys == list(dues)  # every one, once, in due order; "early" not again


async def test_a_timer_written_behind_the_cursor_is_written_again_and_fires(
    collection: AsyncCollection[Document],
) -> None:
    # A sweeper whose clock runs a minute ahead closes seconds our writer still fills.
    ahead = TimerWheel(collection, "w", settle=SETTLE)
    now = utc_now()
    await ahead.sweep(Recorder(), now=now + timedelta(minutes=1))
    writer = TimerWheel(collection, "w", settle=SETTLE)
    await writer.schedule("late", now)
    fired = Recorder()
    await ahead.sweep(fired, now=now + timedelta(minutes=1, seconds=10))
    assert fired.keys == ["late"]


async def test_a_burst_in_one_second_is_read_whole(
    collection: AsyncCollection[Document],
) -> None:
    wheel = TimerWheel(collection, "w", settle=SETTLE)
    due = utc_now().replace(microsecond=0) + timedelta(seconds=2)
    for n in range(150):
        await wheel.schedule(f"k{n:03}", due + timedelta(microseconds=n))
    fired = Recorder()
    await wheel.sweep(fired, now=due + timedelta(seconds=1))
    assert fired.keys == [f"k{n:03}" for n in range(150)]


async def test_writers_that_share_buckets_each_keep_every_timer(
    collection: AsyncCollection[Document],
) -> None:
    # Two processes writing into the same seconds: the second's remembered slots are
    # taken by the first, so its batch collides and probes on.
    due = utc_now().replace(microsecond=0) + timedelta(seconds=2)
    first, second = (TimerWheel(collection, "w", settle=SETTLE) for _ in range(2))
    await first.schedule_many([(f"a{n}", due + timedelta(seconds=n % 3), {}) for n in range(30)])
    await second.schedule_many([(f"b{n}", due + timedelta(seconds=n % 3), {}) for n in range(30)])
    fired = Recorder()
    await first.sweep(fired, now=due + timedelta(seconds=10))
    assert sorted(fired.keys) == sorted([f"a{n}" for n in range(30)] + [f"b{n}" for n in range(30)])
