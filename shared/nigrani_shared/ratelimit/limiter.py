"""Per-client rate limits that hold across replicas without a store round trip per request.

Each replica decides from memory: a client's count in a window is what this replica
admitted (exact) plus what the other replicas had admitted at the last sync. A background
task syncs about once a second: per bucket and window, one `_id` operation that writes this
replica's counts when they changed (absolute values, see store.py) and returns every
replica's counts, or only reads them otherwise. Windows are the sliding approximation in
`windows.py` (the current fixed window and the previous one).

The approximation: a replica does not see what the others admitted since its last sync, so
a client spreading requests over R replicas can exceed a limit by what the other R - 1
replicas admitted during one sync interval, and never by more than (R - 1) x limit. When
two replicas' writes to one window collide and one is lost, the loser sees its map missing
on its next read and writes it again: three intervals for that once. With one replica the
limit is exact.

If the store cannot be reached, each replica keeps limiting on its own counts (fail open: a
store outage never refuses a citizen) and logs one line when that starts and one when it
ends; nothing is lost, its counts are written in full once the store answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import ipaddress
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field

from prometheus_client import Counter

from nigrani_shared.ratelimit.store import ReplicaCounts, WindowStore
from nigrani_shared.ratelimit.windows import Decision, decide, window_start
from nigrani_shared.web.client_address import IPAddress

logger = logging.getLogger(__name__)

SYNC_FAILURES = Counter(
    "nigrani_rate_limit_sync_failures_total",
    "Rounds in which rate-limit counters could not be synced with the store.",
)
CLIENT_KEY_HEX = 16  # 64 bits of HMAC: collisions are negligible, the address is not kept
IPV6_CLIENT_PREFIX = 64  # one IPv6 subscriber usually holds a whole /64
FINAL_SYNC_SECONDS = 2.0
ALLOWED = Decision(allowed=True)


def client_key(address: IPAddress, secret: bytes) -> str:
    """A keyed hash of the client address (its /64 for IPv6): counters never hold the
    address itself, and without the secret the hash cannot be reversed by brute force."""
    if isinstance(address, ipaddress.IPv6Address):
        network = ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)
        material = f"{network.network_address}/{IPV6_CLIENT_PREFIX}"
    else:
        material = str(address)
    digest = hmac.new(secret, b"nigrani-rate-limit:" + material.encode(), hashlib.sha256)
    return digest.hexdigest()[:CLIENT_KEY_HEX]


@dataclass
class _Window:
    own: dict[str, int] = field(default_factory=dict)  # admitted by this replica: exact
    others: dict[str, int] = field(default_factory=dict)  # other replicas, last sync
    stored_own: dict[str, int] = field(default_factory=dict)  # our map as last read back
    read_at: float | None = None

    def total(self, client: str) -> int:
        return self.own.get(client, 0) + self.others.get(client, 0)

    def learn(self, replica: str, counts: ReplicaCounts, now: float) -> None:
        self.stored_own = counts.get(replica, {})
        others: dict[str, int] = {}
        for writer, clients in counts.items():
            if writer != replica:
                for client, count in clients.items():
                    others[client] = others.get(client, 0) + count
        self.others = others
        self.read_at = now


class RateLimiter:
    def __init__(
        self,
        *,
        limits: Mapping[str, int],
        window_seconds: int,
        sync_seconds: float,
        store: WindowStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._limits = dict(limits)
        self._window = window_seconds
        self._sync_seconds = sync_seconds
        self._store = store
        self._clock = clock
        self._windows: dict[tuple[str, int], _Window] = {}
        self._expired: set[tuple[str, int]] = set()
        self._replica = uuid.uuid4().hex[:12]
        self.rounds = 0  # sync rounds completed, for tests and debugging

    @property
    def active(self) -> bool:
        return any(limit > 0 for limit in self._limits.values())

    def check(self, bucket: str, client: str) -> Decision:
        """Admits (and counts) one request, or refuses it with a Retry-After; no I/O."""
        limit = self._limits[bucket]
        if limit <= 0:
            return ALLOWED
        now = self._clock()
        start = window_start(now, self._window)
        current = self._windows.setdefault((bucket, start), _Window())
        previous = self._windows.get((bucket, start - self._window))
        decision = decide(
            limit=limit,
            previous=previous.total(client) if previous else 0,
            current=current.total(client),
            now=now,
            window_seconds=self._window,
        )
        if decision.allowed:
            current.own[client] = current.own.get(client, 0) + 1
        return decision

    def count(self, bucket: str, client: str) -> int:
        """The client's count in the current window as this replica knows it."""
        window = self._windows.get((bucket, window_start(self._clock(), self._window)))
        return window.total(client) if window else 0

    async def sync(self) -> None:
        """One round: write this replica's counts where they changed (or were lost to a
        concurrent write), read the other replicas' counts of the windows decisions use,
        delete expired windows by `_id`. Raises if the store fails."""
        now = self._clock()
        current = window_start(now, self._window)
        previous = current - self._window
        self._expire_before(previous)
        settle = 2 * self._sync_seconds  # other replicas' last deltas for a closed window
        for bucket, limit in self._limits.items():
            if limit <= 0:
                continue
            closed = self._windows.setdefault((bucket, previous), _Window())
            if (
                closed.own != closed.stored_own
                or closed.read_at is None
                or closed.read_at < current + settle
            ):
                await self._sync_window(bucket, previous, closed, now)
            open_ = self._windows.setdefault((bucket, current), _Window())
            await self._sync_window(bucket, current, open_, now)
        for bucket, start in sorted(self._expired):
            await self._store.delete(bucket, start)
            self._expired.discard((bucket, start))
        self.rounds += 1

    async def run(self) -> None:
        """Syncs every interval until cancelled; store failures are logged, not raised."""
        failing = False
        while True:
            try:
                await self.sync()
            except Exception as error:
                SYNC_FAILURES.inc()
                if not failing:
                    logger.warning(
                        "rate-limit counters cannot reach the store; each replica limits "
                        "on its own counts until they can",
                        extra={"error_type": type(error).__name__},
                    )
                failing = True
            else:
                if failing:
                    logger.info("rate-limit counters reach the store again")
                failing = False
            await asyncio.sleep(self._sync_seconds)

    async def _sync_window(self, bucket: str, start: int, window: _Window, now: float) -> None:
        if window.own != window.stored_own:
            counts = await self._store.write(bucket, start, self._replica, dict(window.own))
        else:
            counts = await self._store.read(bucket, start)
        window.learn(self._replica, counts, now)

    def _expire_before(self, oldest_kept: int) -> None:
        for key in [key for key in self._windows if key[1] < oldest_kept]:
            del self._windows[key]
            self._expired.add(key)


@contextlib.asynccontextmanager
async def running(limiter: RateLimiter) -> AsyncIterator[RateLimiter]:
    """Runs the limiter's sync task for the duration of the block (none if every limit is
    off); on exit, cancels it and writes the last counts once, best effort."""
    if not limiter.active:
        yield limiter
        return
    task = asyncio.create_task(limiter.run(), name="rate-limit-sync")
    try:
        yield limiter
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(Exception):
            await asyncio.wait_for(limiter.sync(), FINAL_SYNC_SECONDS)
