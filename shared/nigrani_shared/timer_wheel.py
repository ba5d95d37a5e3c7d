"""Durable timers that fire within a second of their due time, found by `_id` only.

The SLA service promises that a timer fires within a second of its due time, after a
restart late but once and in due order, and that due timers are found without scanning
the open ones (the local store serves only a filter of one `_id` from an index). So a
timer is a document in a bucket of its due second, `<wheel>:s:<second>:<slot>`, taken by a
unique insert (nigrani_shared.store.slots: the store loses concurrent updates of one
document but never an insert); each minute that holds any bucket has a marker
`<wheel>:m:<minute>`, so catching up after downtime reads one document per empty minute.

Sweeping. A sweeper reads the buckets of the last `settle` seconds again on every tick,
from the slot it reached, and fires what is due; a second is closed (the durable cursor
moved past it) only once it is `settle` old, and read once more after the cursor moved.
A writer never fills a bucket behind the clock (a timer already due goes into the bucket
of the current second) and, after inserting, reads the cursor: had the bucket been closed
meanwhile (the writer stalled for longer than `settle`), it writes the timer again into
the current second. Between the two, every timer is read by some sweep after it is
written. The cursor is a single document moved by `$max`; the store may lose one of two
concurrent moves, which only makes a sweeper read a closed second again.

Firing is at least once: several replicas sweep the same buckets and a crash repeats a
second, and a timer is never deleted. The `fire` callback must recognise a timer whose
reason has passed, and two firings of one timer (see nigrani_sla.firing: claims by
unique insert and deterministic event ids).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from nigrani_shared.clock import utc_now
from nigrani_shared.store import slots
from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import insert_new, insert_or_get, only_duplicates

logger = logging.getLogger(__name__)

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
READ_AHEAD = 256  # at most, slots of one bucket read concurrently and fired as one chunk
GROWTH = 4  # each full chunk makes the next this many times larger
MEMORY = 10_000  # buckets and minutes a process remembers writing
_V = TypeVar("_V")


@dataclass(frozen=True)
class Timer:
    key: str
    due_at: datetime
    payload: Document


Fire = Callable[[Sequence[Timer]], Awaitable[None]]


def _second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _minute(moment: datetime) -> datetime:
    return _second(moment).replace(second=0)


class TimerWheel:
    def __init__(
        self,
        collection: AsyncCollection[Document],
        wheel: str,
        *,
        settle: timedelta = timedelta(seconds=5),
    ) -> None:
        self._collection = collection
        self._wheel = wheel
        self._settle = settle
        self._cursor_id = f"{wheel}:cursor"
        # Bounded memories of what this process wrote: forgetting costs a probe, not a timer.
        self._next_slot: OrderedDict[datetime, int] = OrderedDict()  # bucket -> free slot
        self._marked: OrderedDict[datetime, bool] = OrderedDict()  # minutes with a marker
        self._read: dict[datetime, int] = {}  # open bucket -> slots already fired
        self._closed_up_to: datetime | None = None  # this sweeper's cursor
        self._unmarked: set[datetime] = set()  # minutes found without a marker this sweep

    @property
    def closed_up_to(self) -> datetime | None:
        """The last second this sweeper has closed (None before its first sweep)."""
        return self._closed_up_to

    # -- writing ---------------------------------------------------------------------

    async def schedule(self, key: str, due: datetime, payload: Document | None = None) -> None:
        """Stores a timer; it fires at `due`, or at once if `due` has passed."""
        await self.schedule_many([(key, due, payload or {})])

    async def schedule_many(self, timers: Sequence[tuple[str, datetime, Document]]) -> None:
        """Stores timers in one round trip per batch (plus the cursor check)."""
        now_bucket = _second(utc_now())
        pending = [
            (max(_second(due), now_bucket), {"key": key, "due_at": due, "payload": payload})
            for key, due, payload in timers
        ]
        while pending:
            await self._append_many(pending)
            cursor = await self._cursor_or_first()
            behind = [fields for bucket, fields in pending if bucket <= cursor]
            if not behind:
                return
            # The writer stalled past `settle`, or a sweeper's clock runs ahead of ours.
            logger.warning("timers were written into a closed second; written again")
            bucket = max(_second(utc_now()), cursor + SECOND)
            pending = [(bucket, fields) for fields in behind]

    async def _cursor_or_first(self) -> datetime:
        cursor = await self._durable_cursor()
        if cursor is None:  # the first timer ever: sweeps start from now
            first = _second(utc_now()) - self._settle
            await insert_or_get(self._collection, {"_id": self._cursor_id, "second": first})
            cursor = await self._durable_cursor()
        assert cursor is not None
        return cursor

    async def _append_many(self, pending: Sequence[tuple[datetime, Document]]) -> None:
        minutes = sorted({_minute(bucket) for bucket, _ in pending} - self._marked.keys())
        if minutes:
            # One round trip for a batch's markers; one that exists already (another writer,
            # or one this process forgot) is refused, and a marker has nothing to read back.
            markers = [{"_id": self._marker_id(minute)} for minute in minutes]
            await insert_new(self._collection, markers)
            for minute in minutes:
                _remember(self._marked, minute, True)
        documents: list[Document] = []
        for bucket, fields in pending:
            slot = self._next_slot.get(bucket, 0)
            _remember(self._next_slot, bucket, slot + 1)
            documents.append({**fields, "_id": slots.slot_id(self._bucket_prefix(bucket), slot)})
        try:
            await self._collection.insert_many(documents, ordered=False)
        except BaseException as failure:
            if not isinstance(failure, BulkWriteError) or not only_duplicates(failure):
                # Some slots may be written and others not: forget these buckets, so the
                # retry probes them from slot 0 and fills any hole (a reader stops at one).
                for bucket, _ in pending:
                    self._next_slot.pop(bucket, None)
                raise
            taken = [error["index"] for error in failure.details["writeErrors"]]
            # Slots another writer took (or this process forgot): probe on from there.
            for index in taken:
                bucket, fields = pending[index]
                stored = await slots.append(
                    self._collection,
                    self._bucket_prefix(bucket),
                    fields,
                    first=self._next_slot.get(bucket, 0),
                )
                slot = int(str(stored["_id"]).rsplit(":", 1)[1])
                _remember(self._next_slot, bucket, slot + 1)

    # -- sweeping --------------------------------------------------------------------

    async def sweep(self, fire: Fire, *, now: datetime | None = None) -> int:
        """Fires what fell due since the last sweep, in due order; returns how many.
        A `fire` that raises stops the sweep before the cursor passes its bucket."""
        now = now or utc_now()
        self._unmarked.clear()
        if self._closed_up_to is None:
            cursor = await self._durable_cursor()
            if cursor is None:  # no timer was ever written: start now, and tell writers
                cursor = _second(now) - self._settle
                await self._advance(cursor)
            self._closed_up_to = cursor
        fired = 0
        second = self._closed_up_to + SECOND
        while second <= _second(now):
            if second + self._settle <= now:
                count, second = await self._close(second, fire, now)
                fired += count
            else:
                fired += await self._read_bucket(second, fire, now)
                second += SECOND
        return fired

    async def _close(self, second: datetime, fire: Fire, now: datetime) -> tuple[int, datetime]:
        """A second old enough that no writer fills it any more: read it a last time,
        move the cursor past it, and read it once more (a writer that stalled may have
        filled it between the two). Returns how many fired and the next second to look
        at: a whole minute without a marker is skipped in one step."""
        minute = _minute(second)
        last_of_minute = minute + MINUTE - SECOND
        whole_minute_settled = last_of_minute + self._settle <= now
        if second == minute and whole_minute_settled and not await self._has_marker(minute):
            await self._advance(last_of_minute)
            # A stalled writer may have marked the minute between the look and the move:
            # look again now that the cursor is past it (the writer then finds its
            # seconds closed only if it reads the cursor after this move).
            self._unmarked.discard(minute)
            if not await self._has_marker(minute):
                return 0, last_of_minute + SECOND
            fired = 0
            async with self._reopened_on_failure(minute):
                for offset in range(60):
                    fired += await self._read_bucket(minute + offset * SECOND, fire, now)
                    self._read.pop(minute + offset * SECOND, None)
            return fired, last_of_minute + SECOND
        fired = await self._read_bucket(second, fire, now)
        await self._advance(second)
        self._unmarked.discard(minute)  # the last read must see a marker written since
        async with self._reopened_on_failure(second):
            fired += await self._read_bucket(second, fire, now)
        self._read.pop(second, None)
        self._next_slot.pop(second, None)
        if second == last_of_minute:
            self._marked.pop(minute, None)
        return fired, second + SECOND

    async def _read_bucket(self, second: datetime, fire: Fire, now: datetime) -> int:
        """Fires the bucket's due timers from the slot this sweeper reached, a chunk at a
        time as they are read (a burst's first timers do not wait for its last): slot
        one alone (an idle bucket costs one read a tick), then chunks growing fourfold
        while they come back full, up to `READ_AHEAD` slots read concurrently (a bucket
        holding one timer costs a few reads, not `READ_AHEAD`; a burst soon reads whole
        chunks). Slots are fired in order; one not yet due (only in the current
        second) waits for the next tick, with the slots after it."""
        if second not in self._read and not await self._has_marker(_minute(second)):
            return 0  # no timer in this minute yet
        position = self._read.setdefault(second, 0)
        prefix = self._bucket_prefix(second)
        fired, size = 0, 1
        while True:
            chunk = await self._read_chunk(prefix, position, size)
            ready = _prefix_due(chunk, now)
            if ready:
                await fire(sorted(chunk[:ready], key=lambda timer: timer.due_at))
                position += ready
                self._read[second] = position
                fired += ready
            if ready < size:
                return fired
            size = min(size * GROWTH, READ_AHEAD)

    async def _read_chunk(self, prefix: str, first: int, size: int) -> list[Timer]:
        """Slots `first` .. `first + size - 1`, up to the first missing one."""
        documents = await asyncio.gather(
            *(
                self._collection.find_one({"_id": slots.slot_id(prefix, n)})
                for n in range(first, first + size)
            )
        )
        found: list[Timer] = []
        for document in documents:
            if document is None:
                break
            found.append(Timer(document["key"], document["due_at"], document["payload"]))
        return found

    async def _has_marker(self, minute: datetime) -> bool:
        if minute in self._marked:
            return True
        if minute in self._unmarked:
            return False
        if await self._collection.find_one({"_id": self._marker_id(minute)}) is None:
            self._unmarked.add(minute)
            return False
        _remember(self._marked, minute, True)
        return True

    @asynccontextmanager
    async def _reopened_on_failure(self, first: datetime) -> AsyncIterator[None]:
        """A read after the cursor moved that fails (the store or Kafka is down, the
        process is stopping) leaves this sweeper's own cursor before `first`, so it reads
        those seconds again from the slots it reached instead of passing them by."""
        try:
            yield
        except BaseException:
            self._closed_up_to = min(self._closed_up_to or first, first - SECOND)
            raise

    async def _advance(self, second: datetime) -> None:
        try:
            await self._collection.update_one(
                {"_id": self._cursor_id}, {"$max": {"second": second}}, upsert=True
            )
        except DuplicateKeyError:  # another replica created the cursor first
            await self._collection.update_one(
                {"_id": self._cursor_id}, {"$max": {"second": second}}
            )
        self._closed_up_to = second  # only once writers can see it

    async def _durable_cursor(self) -> datetime | None:
        cursor = await self._collection.find_one({"_id": self._cursor_id})
        return None if cursor is None else _second(cursor["second"])

    def _bucket_prefix(self, second: datetime) -> str:
        return f"{self._wheel}:s:{second:%Y-%m-%dT%H:%M:%S}"

    def _marker_id(self, minute: datetime) -> str:
        return f"{self._wheel}:m:{minute:%Y-%m-%dT%H:%M}"


def _remember(memory: OrderedDict[datetime, _V], key: datetime, value: _V) -> None:
    memory[key] = value
    memory.move_to_end(key)
    if len(memory) > MEMORY:
        memory.popitem(last=False)


def _prefix_due(timers: Sequence[Timer], now: datetime) -> int:
    """How many leading slots are due: a bucket of the current second can hold a timer
    due later in the second; it and the slots after it are read again on the next tick."""
    count = 0
    for timer in timers:
        if timer.due_at > now:
            break
        count += 1
    return count
