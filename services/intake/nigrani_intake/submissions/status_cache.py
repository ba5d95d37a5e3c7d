"""The public status view, served from memory for about a second.

`GET /v1/requests/{code}` is what citizens' pages and Open311 clients poll. Reading the
request, its timeline and its due times from the store (the request, the timeline's next
versions and the due times' next generation by `_id`, read at the same time; what was
already read is remembered, see timeline_repository.py and delay/repository.py),
building the view and validating and encoding it on every call
costs several ms; the same code is asked for again and again while nothing
changes. So this process keeps the encoded JSON of each recently asked view:

- fresh: an entry is served for at most `ttl_seconds` after the store read began, then read
  again. The response says `Cache-Control: max-age=<ttl>`, so a client or proxy that also
  caches it sees a view at most two TTLs old. Nothing is invalidated on events: replicas
  each hold their own copy, and the TTL is the bound that holds for all of them;
- bounded: at most `max_entries` codes, the least recently served evicted first;
- single flight: concurrent misses for one code share one store read, and a caller that
  goes away does not cancel the read the others wait for;
- refreshed ahead: a view asked for in the second half of its TTL is read again in the
  background while the current one is served, so a code that is polled steadily never
  makes its callers wait for the store (the TTL still bounds what is served);
- delay included: whether the request is overdue, and by how much, is computed when the
  view is built, so a served view is as old as its TTL allows and no older; a request
  becomes overdue in the view within the TTL of its due time, with no event needed;
- found requests only: an unknown code is never stored, so guessing codes can neither grow
  the memory nor evict the views citizens are polling (concurrent guesses of one code still
  share a read), and a request becomes visible the moment it is accepted.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import pymongo
from nigrani_shared.clock import utc_now
from prometheus_client import Counter

from nigrani_intake.catalog.service import Catalog
from nigrani_intake.delay.repository import DeadlinesRepository
from nigrani_intake.submissions.public_view import to_public_view
from nigrani_intake.submissions.repository import RequestsRepository
from nigrani_intake.submissions.timeline_repository import TimelineRepository

Loader = Callable[[], Awaitable[bytes | None]]

STATUS_LOOKUPS = Counter(
    "nigrani_status_cache_lookups_total",
    "Public status reads by outcome: hit (served from memory), miss (read the store), "
    "shared (waited for another caller's read of the same code), refresh (served, and "
    "read again in the background because the view is in the second half of its TTL).",
    ["outcome"],
)
_HIT, _MISS, _SHARED, _REFRESH = (
    STATUS_LOOKUPS.labels(o) for o in ("hit", "miss", "shared", "refresh")
)
#: Share of the TTL after which a served view is read again in the background.
REFRESH_AFTER = 0.5


class StatusCache:
    """Encoded views by tracking code, with a TTL, an LRU bound and single-flight loads."""

    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, float, bytes]] = OrderedDict()
        self._loading: dict[str, asyncio.Task[bytes | None]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str, load: Loader) -> bytes | None:
        """The cached value of `key`, or `load()`'s; None (not found) is never cached."""
        entry = self._entries.get(key)
        if entry is not None:
            refresh_at, expires_at, body = entry
            now = self._clock()
            if now < expires_at:
                self._entries.move_to_end(key)
                if now >= refresh_at and key not in self._loading:
                    _REFRESH.inc()
                    self._start_load(key, load)
                else:
                    _HIT.inc()
                return body
            del self._entries[key]
        task = self._loading.get(key)
        if task is None:
            _MISS.inc()
            task = self._start_load(key, load)
        else:
            _SHARED.inc()
        return await asyncio.shield(task)

    def _start_load(self, key: str, load: Loader) -> asyncio.Task[bytes | None]:
        task = asyncio.ensure_future(self._load(key, load))
        self._loading[key] = task
        task.add_done_callback(lambda done: self._loaded(key, done))
        return task

    def _loaded(self, key: str, task: asyncio.Task[bytes | None]) -> None:
        self._loading.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here too: a background refresh has no caller

    async def _load(self, key: str, load: Loader) -> bytes | None:
        started = self._clock()
        body = await load()
        if body is not None and self.ttl_seconds > 0:
            refresh_at = started + self.ttl_seconds * REFRESH_AFTER
            self._entries[key] = (refresh_at, started + self.ttl_seconds, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return body


class PublicStatus:
    """The public view of a request as JSON bytes, cached; None for an unknown code."""

    def __init__(
        self,
        *,
        requests: RequestsRepository,
        timeline: TimelineRepository,
        deadlines: DeadlinesRepository,
        catalog: Catalog,
        cache: StatusCache,
        store_timeout_seconds: float,
    ):
        self._requests = requests
        self._timeline = timeline
        self._deadlines = deadlines
        self._catalog = catalog
        self._cache = cache
        self._store_timeout = store_timeout_seconds
        seconds = math.ceil(cache.ttl_seconds)
        self.headers = {"Cache-Control": f"max-age={seconds}" if seconds > 0 else "no-cache"}

    async def get(self, tracking_code: str) -> bytes | None:
        return await self._cache.get(tracking_code, lambda: self._read(tracking_code))

    async def _read(self, tracking_code: str) -> bytes | None:
        with pymongo.timeout(self._store_timeout):  # a frozen store answers 503, not never
            stored, prefetched, deadline = await asyncio.gather(
                self._requests.get(tracking_code),
                self._timeline.stored_entries(tracking_code),
                self._deadlines.state(tracking_code),
            )
            if stored is None:
                return None
            entries = await self._timeline.entries(stored, prefetched)
        view = to_public_view(
            stored, self._catalog, entries=entries, deadline=deadline, now=utc_now()
        )
        return view.model_dump_json().encode()
