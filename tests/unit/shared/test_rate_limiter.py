"""The limiter's local counting and its sync with a shared store (an in-memory fake)."""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import logging
from collections.abc import Mapping

import pytest
from nigrani_shared.ratelimit.limiter import RateLimiter, client_key
from nigrani_shared.ratelimit.store import ReplicaCounts, window_id

from tests.support.waiting import eventually

WINDOW = 60
T0 = 1_700_000_040.0


class FakeStore:
    """Window documents by `_id`, like the store; can be switched off, and can lose the
    next write the way FerretDB loses one of two concurrent updates."""

    def __init__(self) -> None:
        self.documents: dict[str, ReplicaCounts] = {}
        self.deleted: list[str] = []
        self.down = False
        self.refusals = 0
        self.lose_next_write = False

    async def read(self, bucket: str, start: int) -> ReplicaCounts:
        self._check()
        return copy.deepcopy(self.documents.get(window_id(bucket, start), {}))

    async def write(
        self, bucket: str, start: int, replica: str, counts: Mapping[str, int]
    ) -> ReplicaCounts:
        self._check()
        document = self.documents.setdefault(window_id(bucket, start), {})
        answer = copy.deepcopy({**document, replica: dict(counts)})
        if self.lose_next_write:
            self.lose_next_write = False  # a concurrent writer put back what it had read
        else:
            document[replica] = dict(counts)
        return answer

    async def delete(self, bucket: str, start: int) -> None:
        self._check()
        self.documents.pop(window_id(bucket, start), None)
        self.deleted.append(window_id(bucket, start))

    def total(self, bucket: str, start: float, client: str) -> int:
        document = self.documents.get(window_id(bucket, int(start)), {})
        return sum(counts.get(client, 0) for counts in document.values())

    def _check(self) -> None:
        if self.down:
            self.refusals += 1
            raise ConnectionError("store unreachable")


class Clock:
    def __init__(self) -> None:
        self.now = T0 + 1

    def __call__(self) -> float:
        return self.now


def _limiter(store: FakeStore, clock: Clock, **limits: int) -> RateLimiter:
    return RateLimiter(
        limits=limits or {"submit": 3},
        window_seconds=WINDOW,
        sync_seconds=1.0,
        store=store,
        clock=clock,
    )


def _admitted(limiter: RateLimiter, client: str, times: int, bucket: str = "submit") -> int:
    return sum(limiter.check(bucket, client).allowed for _ in range(times))


async def test_one_replica_limits_each_client_on_its_own_counts() -> None:
    limiter = _limiter(FakeStore(), Clock())
    assert _admitted(limiter, "a", 5) == 3
    assert _admitted(limiter, "b", 5) == 3
    assert limiter.check("submit", "a").retry_after_seconds == 59 + 20


async def test_replicas_share_counts_through_the_store() -> None:
    store, clock = FakeStore(), Clock()
    first, second = _limiter(store, clock), _limiter(store, clock)
    assert _admitted(first, "a", 2) == 2
    await first.sync()
    await second.sync()
    assert _admitted(second, "a", 5) == 1
    await second.sync()
    await first.sync()
    assert _admitted(first, "a", 1) == 0
    assert store.total("submit", T0, "a") == 3


async def test_without_a_sync_each_replica_only_knows_its_own_requests() -> None:
    """The documented slack: what other replicas admitted since the last sync."""
    store, clock = FakeStore(), Clock()
    first, second = _limiter(store, clock), _limiter(store, clock)
    assert _admitted(first, "a", 3) + _admitted(second, "a", 3) == 6


async def test_the_previous_window_keeps_counting_as_it_slides_out() -> None:
    store, clock = FakeStore(), Clock()
    first, second = _limiter(store, clock), _limiter(store, clock)
    assert _admitted(first, "a", 3) == 3
    await first.sync()
    clock.now = T0 + WINDOW + 1  # the next window; the first one weighs 59/60 of 3
    await second.sync()
    assert _admitted(second, "a", 1) == 0
    clock.now = T0 + WINDOW + 21  # 3 * 40/60 = 2: room for one more
    assert _admitted(second, "a", 2) == 1


async def test_expired_windows_are_deleted_by_their_id() -> None:
    store, clock = FakeStore(), Clock()
    limiter = _limiter(store, clock)
    _admitted(limiter, "a", 1)
    await limiter.sync()
    clock.now += 2 * WINDOW
    await limiter.sync()
    assert window_id("submit", int(T0)) in store.deleted
    assert window_id("submit", int(T0)) not in store.documents


async def test_a_store_outage_fails_open_and_loses_no_counts() -> None:
    store, clock = FakeStore(), Clock()
    limiter = _limiter(store, clock)
    store.down = True
    assert _admitted(limiter, "a", 2) == 2
    with pytest.raises(ConnectionError):
        await limiter.sync()
    assert (
        _admitted(limiter, "a", 2) == 1
    )  # still limited on local counts, never refused for the outage
    store.down = False
    await limiter.sync()
    assert store.total("submit", T0, "a") == 3


async def test_counts_lost_to_a_concurrent_write_are_written_again() -> None:
    store, clock = FakeStore(), Clock()
    first, second = _limiter(store, clock), _limiter(store, clock)
    assert _admitted(first, "a", 2) == 2
    store.lose_next_write = True
    await first.sync()
    assert store.total("submit", T0, "a") == 0
    await first.sync()  # reads its map back missing...
    await first.sync()  # ...and writes it again
    assert store.total("submit", T0, "a") == 2
    await second.sync()
    assert _admitted(second, "a", 2) == 1


async def test_counts_that_did_not_change_are_only_read() -> None:
    store, clock = FakeStore(), Clock()
    limiter = _limiter(store, clock)
    _admitted(limiter, "a", 1)
    await limiter.sync()
    store.lose_next_write = True  # would drop a write, if one were made
    await limiter.sync()
    assert store.total("submit", T0, "a") == 1


async def test_the_sync_loop_logs_one_line_per_outage(caplog: pytest.LogCaptureFixture) -> None:
    store, clock = FakeStore(), Clock()
    limiter = RateLimiter(
        limits={"submit": 3}, window_seconds=WINDOW, sync_seconds=0.001, store=store, clock=clock
    )
    caplog.set_level(logging.INFO, logger="nigrani_shared.ratelimit.limiter")
    store.down = True
    task = asyncio.create_task(limiter.run())
    try:

        async def failed_rounds() -> bool:
            return store.refusals >= 5

        await eventually(failed_rounds, within=5, interval=0.005, what="failed rounds")
        store.down = False

        async def recovered() -> bool:
            return limiter.rounds > 0

        await eventually(recovered, within=5, interval=0.005, what="a round after the outage")
    finally:
        task.cancel()
    messages = [record.message for record in caplog.records]
    assert len([m for m in messages if "cannot reach" in m]) == 1
    assert len([m for m in messages if "reach the store again" in m]) == 1


async def test_a_limit_of_zero_turns_the_bucket_off() -> None:
    limiter = _limiter(FakeStore(), Clock(), submit=0, lookup=2)
    assert _admitted(limiter, "a", 100) == 100
    assert _admitted(limiter, "a", 3, bucket="lookup") == 2
    assert not _limiter(FakeStore(), Clock(), submit=0).active


def test_client_keys_are_keyed_hashes_and_an_ipv6_subscriber_is_one_client() -> None:
    address = ipaddress.ip_address("198.51.100.7")
    key = client_key(address, b"secret")
    assert len(key) == 16
    assert key == client_key(address, b"secret")
    assert key != client_key(address, b"another secret")
    first = client_key(ipaddress.ip_address("2001:db8:1:2::1"), b"secret")
    assert first == client_key(ipaddress.ip_address("2001:db8:1:2:ffff::9"), b"secret")
    assert first != client_key(ipaddress.ip_address("2001:db8:1:3::1"), b"secret")
