"""The public status cache: TTL, LRU bound, single flight, refresh ahead, and no caching of
unknown codes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from nigrani_intake.submissions.status_cache import PublicStatus, StatusCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Store:
    """A loader that counts its calls; `gate` holds every load until set."""

    def __init__(self, values: dict[str, bytes | None] | None = None) -> None:
        self.values = values or {}
        self.calls: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.reading = asyncio.Event()

    def loader(self, key: str) -> Any:
        async def load() -> bytes | None:
            self.calls.append(key)
            self.reading.set()
            await self.gate.wait()
            return self.values.get(key)

        return load

    async def get(self, cache: StatusCache, key: str) -> bytes | None:
        return await cache.get(key, self.loader(key))


def _cache(clock: Clock, *, ttl: float = 1.0, max_entries: int = 100) -> StatusCache:
    return StatusCache(ttl_seconds=ttl, max_entries=max_entries, clock=clock)


async def test_serves_from_memory_until_the_ttl_passes() -> None:
    clock, store = Clock(), Store({"A": b"v1"})
    cache = _cache(clock, ttl=1.0)

    assert await store.get(cache, "A") == b"v1"
    store.values["A"] = b"v2"
    clock.now += 0.49
    assert await store.get(cache, "A") == b"v1"
    assert store.calls == ["A"]

    clock.now += 0.51  # not asked for in the second half of its TTL: expired, read again
    assert await store.get(cache, "A") == b"v2"
    assert store.calls == ["A", "A"]


async def test_a_view_asked_for_late_in_its_ttl_is_read_again_in_the_background() -> None:
    clock, store = Clock(), Store({"A": b"v1"})
    cache = _cache(clock, ttl=1.0)
    await store.get(cache, "A")
    store.values["A"] = b"v2"
    store.gate.clear()
    store.reading.clear()
    clock.now += 0.6

    assert await store.get(cache, "A") == b"v1"  # served at once, not waiting for the read
    assert await store.get(cache, "A") == b"v1"
    async with asyncio.timeout(5):
        await store.reading.wait()
    assert store.calls == ["A", "A"]  # one background read, however many callers

    store.gate.set()
    await _settle()
    assert await store.get(cache, "A") == b"v2"
    clock.now += 0.99  # the refreshed view's TTL counts from its own read
    assert await store.get(cache, "A") == b"v2"
    assert store.calls == ["A", "A"]


async def test_a_failed_background_read_keeps_the_view_only_until_its_ttl() -> None:
    clock = Clock()
    cache = _cache(clock, ttl=1.0)
    reads = 0

    async def flaky() -> bytes | None:
        nonlocal reads
        reads += 1
        if reads > 1:
            raise ConnectionError("store down")
        return b"v1"

    await cache.get("A", flaky)
    clock.now += 0.6
    assert await cache.get("A", flaky) == b"v1"
    await _settle()
    assert reads == 2
    clock.now += 0.4
    with pytest.raises(ConnectionError):
        await cache.get("A", flaky)


async def _settle() -> None:
    """Lets background reads finish (a few loop turns; nothing here waits on I/O)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_the_ttl_counts_from_when_the_read_began() -> None:
    clock, store = Clock(), Store({"A": b"v1"})
    cache = _cache(clock, ttl=1.0)
    store.gate.clear()
    pending = asyncio.ensure_future(store.get(cache, "A"))
    await store.reading.wait()
    clock.now += 0.6  # a slow read
    store.gate.set()
    assert await pending == b"v1"

    clock.now += 0.4
    await store.get(cache, "A")
    assert store.calls == ["A", "A"]


async def test_holds_at_most_max_entries_evicting_the_least_recently_served() -> None:
    clock, store = Clock(), Store({"A": b"a", "B": b"b", "C": b"c"})
    cache = _cache(clock, max_entries=2)
    await store.get(cache, "A")
    await store.get(cache, "B")
    await store.get(cache, "A")  # A is now the most recently served
    await store.get(cache, "C")  # evicts B

    assert len(cache) == 2
    store.calls.clear()
    await store.get(cache, "A")
    await store.get(cache, "C")
    assert store.calls == []
    await store.get(cache, "B")
    assert store.calls == ["B"]


async def test_concurrent_misses_for_one_code_make_one_read() -> None:
    clock, store = Clock(), Store({"A": b"a", "B": b"b"})
    cache = _cache(clock)
    store.gate.clear()
    waiting = [asyncio.ensure_future(store.get(cache, code)) for code in "AAAAAAAABB"]
    await asyncio.sleep(0)
    store.gate.set()

    assert await asyncio.gather(*waiting) == [b"a"] * 8 + [b"b"] * 2
    assert sorted(store.calls) == ["A", "B"]


async def test_unknown_codes_are_not_cached_but_concurrent_guesses_share_a_read() -> None:
    clock, store = Clock(), Store()
    cache = _cache(clock)
    store.gate.clear()
    waiting = [asyncio.ensure_future(store.get(cache, "NOPE")) for _ in range(5)]
    await asyncio.sleep(0)
    store.gate.set()

    assert await asyncio.gather(*waiting) == [None] * 5
    assert store.calls == ["NOPE"]
    assert len(cache) == 0

    store.values["NOPE"] = b"accepted since"  # visible at once, not after a TTL
    assert await store.get(cache, "NOPE") == b"accepted since"


async def test_a_failed_read_reaches_every_waiter_and_is_not_cached() -> None:
    cache = _cache(Clock())
    release = asyncio.Event()
    calls = 0

    async def failing() -> bytes | None:
        nonlocal calls
        calls += 1
        await release.wait()
        raise ConnectionError("store down")

    waiting = [asyncio.ensure_future(cache.get("A", failing)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)

    assert all(isinstance(result, ConnectionError) for result in results)
    assert calls == 1
    with pytest.raises(ConnectionError):
        await cache.get("A", failing)
    assert calls == 2


async def test_a_caller_that_goes_away_does_not_cancel_the_shared_read() -> None:
    clock, store = Clock(), Store({"A": b"a"})
    cache = _cache(clock)
    store.gate.clear()
    first = asyncio.ensure_future(store.get(cache, "A"))
    second = asyncio.ensure_future(store.get(cache, "A"))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    store.gate.set()

    assert await second == b"a"
    assert first.cancelled()
    assert store.calls == ["A"]


async def test_a_zero_ttl_turns_caching_off() -> None:
    clock, store = Clock(), Store({"A": b"a"})
    cache = _cache(clock, ttl=0)
    await store.get(cache, "A")
    await store.get(cache, "A")
    assert store.calls == ["A", "A"]


@pytest.mark.parametrize(
    ("ttl", "header"), [(1.0, "max-age=1"), (2.5, "max-age=3"), (0, "no-cache")]
)
def test_cache_control_states_the_ttl(ttl: float, header: str) -> None:
    cache = StatusCache(ttl_seconds=ttl, max_entries=1)
    status = PublicStatus(
        requests=None,  # type: ignore[arg-type]
        timeline=None,  # type: ignore[arg-type]
        deadlines=None,  # type: ignore[arg-type]
        catalog=None,  # type: ignore[arg-type]
        cache=cache,
        store_timeout_seconds=1,
    )
    assert status.headers == {"Cache-Control": header}
