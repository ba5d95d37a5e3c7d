"""Durable second timers on the real store: due order, once per sweeper, a restart that
resumes where the last sweep closed, and a writer that lands behind the cursor."""

from __future__ import annotations

import uuid
from collections import Counter
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


class _Interleaved:
    """The wheel's collection, with a hook run right after the store answered a read of
    one `_id` and before the caller sees the answer (the interleaving under test)."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection
        self.hooks: dict[str, Any] = {}
        self.counts: Counter[str] = Counter()

    async def find_one(self, filter: Document, *args: Any, **kwargs: Any) -> Document | None:
        self.counts["find_one"] += 1
        found = await self._collection.find_one(filter, *args, **kwargs)
        hook = self.hooks.pop(str(filter.get("_id")), None)
        if hook is not None:
            await hook()
        return found

    async def update_one(self, *args: Any, **kwargs: Any) -> Any:
        self.counts["update_one"] += 1
        return await self._collection.update_one(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)


async def test_a_timer_written_while_its_minute_is_skipped_as_empty_still_fires(
    collection: AsyncCollection[Document],
) -> None:
    """The sweeper reads no marker for minute M and is about to move the cursor past the
    whole minute; between the read and the move, a stalled writer (or one whose clock is
    behind the sweeper's) stores a timer in M's first second and reads the cursor, which
    has not moved yet, so it believes a sweep will read its timer."""
    real_now = utc_now().replace(microsecond=0)
    minute = real_now.replace(second=0) + timedelta(minutes=2)  # ahead of the writer
    interleaved = _Interleaved(collection)
    sweeper = TimerWheel(interleaved, "w", settle=SETTLE)  # type: ignore[arg-type]
    writer = TimerWheel(collection, "w", settle=SETTLE)
    fired = Recorder()
    await sweeper.sweep(fired, now=real_now)  # the durable cursor starts here

    async def write_meanwhile() -> None:
        await writer.schedule("edge", minute)

    interleaved.hooks[f"w:m:{minute:%Y-%m-%dT%H:%M}"] = write_meanwhile
    await sweeper.sweep(fired, now=minute + timedelta(minutes=2))
    assert not interleaved.hooks, "the sweeper never looked for minute M's marker"
    await sweeper.sweep(fired, now=minute + timedelta(minutes=5))
    assert fired.keys == ["edge"]


async def test_catching_up_over_empty_minutes_reads_about_one_document_per_minute(
    collection: AsyncCollection[Document],
) -> None:
    """The module's promise: after downtime, an empty minute costs one marker read (and
    the cursor move past it), not sixty of each."""
    interleaved = _Interleaved(collection)
    sweeper = TimerWheel(interleaved, "w", settle=SETTLE)  # type: ignore[arg-type]
    now = utc_now()
    await sweeper.sweep(Recorder(), now=now)
    interleaved.counts.clear()
    await sweeper.sweep(Recorder(), now=now + timedelta(minutes=10))
    # The partial minutes at both ends go second by second (two operations each); the
    # nine or so empty minutes between them cost a marker read and a cursor move each.
    operations = interleaved.counts["find_one"] + interleaved.counts["update_one"]
    assert operations <= 2 * 2 * 60 + 3 * 10, interleaved.counts


async def test_a_fire_that_fails_after_the_cursor_moved_is_tried_again(
    collection: AsyncCollection[Document],
) -> None:
    """A timer found only by the read after the cursor moved (a stalled writer's), whose
    firing fails (Kafka down): the next sweep must read that second again, not pass it."""
    real_now = utc_now().replace(microsecond=0)
    # Ahead of the writer's clock, and early in its minute, which another timer marks.
    second = (real_now + timedelta(minutes=2)).replace(second=10)
    interleaved = _Interleaved(collection)
    sweeper = TimerWheel(interleaved, "w", settle=SETTLE)  # type: ignore[arg-type]
    writer = TimerWheel(collection, "w", settle=SETTLE)
    await writer.schedule("marker-only", second + timedelta(seconds=20))
    await sweeper.sweep(Recorder(), now=real_now)

    async def write_meanwhile() -> None:
        await writer.schedule("stalled", second)

    interleaved.hooks[f"w:s:{second:%Y-%m-%dT%H:%M:%S}:0"] = write_meanwhile
    failures = [RuntimeError("Kafka is down")]
    fired = Recorder()

    async def fire_or_fail(timers: Sequence[Timer]) -> None:
        if failures:
            raise failures.pop()
        await fired(timers)

    with pytest.raises(RuntimeError):
        await sweeper.sweep(fire_or_fail, now=second + SETTLE + timedelta(seconds=1))
    await sweeper.sweep(fire_or_fail, now=second + SETTLE + timedelta(seconds=2))
    assert fired.keys[:1] == ["stalled"]
