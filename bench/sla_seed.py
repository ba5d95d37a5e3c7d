"""The SLA bench's store: a million open timers, most due weeks ahead, and a burst of
requests whose resolution target falls in one second.

Everything is written the way the service writes it: timers through `TimerWheel` (the
same wheel name, so the service's sweep reads them), clocks through
`SlaRepository.save_clock`. The far timers never fall due during a run, so they need no
clock documents; the burst's clocks are running, at the generation their timers carry,
so each burst timer really fires (nigrani_sla.firing's `_holds`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from nigrani_shared.clock import utc_now
from nigrani_shared.store.client import Document
from nigrani_shared.timer_wheel import TimerWheel
from nigrani_sla.clock.record import ClockRecord
from nigrani_sla.repository import SlaRepository

from bench.progress import progress

FAR_FROM = timedelta(days=1)  # the far timers start a day out ...
FAR_SPAN = timedelta(days=21)  # ... and spread over three weeks (CPGRAMS' 21 days)
# The seven points of a routed request's clock (nigrani_sla.clock.schedule).
POINTS = (
    ("warning", "first_response", 0, None),
    ("breached", "first_response", 0, None),
    ("warning", "resolution", 0, None),
    ("breached", "resolution", 0, None),
    ("escalated", "resolution", 1, "supervisor"),
    ("escalated", "resolution", 2, "dept_admin"),
    ("escalated", "resolution", 3, "oversight"),
)
BURST_GENERATION = 3  # submitted, routed, claimed: the clock a breach finds
CLOCK_WRITERS = 16


@dataclass(frozen=True)
class Written:
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def _payload(request_id: str, generation: int, point: int) -> Document:
    kind, target, level, role = POINTS[point]
    return {
        "request_id": request_id,
        "generation": generation,
        "kind": kind,
        "target": target,
        "level": level,
        "role": role,
    }


def _far_timers(total: int, start: datetime) -> Iterator[tuple[str, datetime, Document]]:
    """`total` timers in due order, evenly spread with jitter over FAR_SPAN."""
    step = FAR_SPAN / total
    for n in range(total):
        request_id = f"FAR-{n // len(POINTS):07d}"
        point = n % len(POINTS)
        kind, target, level, _ = POINTS[point]
        due = start + step * (n + random.random())
        yield f"{request_id}/{kind}/{target}/{level}", due, _payload(request_id, 1, point)


async def preload_far(wheel: TimerWheel, *, total: int, batch: int, writers: int) -> Written:
    """Writes `total` far timers through `schedule_many`, `batch` per call, `writers`
    calls in flight; returns the rate (the figure for "new timers written")."""
    timers = _far_timers(total, utc_now() + FAR_FROM)
    lock = asyncio.Lock()
    started = time.perf_counter()
    with progress("far timers written", total) as advance:

        async def writer() -> None:
            while True:
                async with lock:  # slices in due order, as a steady stream would come
                    chunk = [timer for _, timer in zip(range(batch), timers, strict=False)]
                if not chunk:
                    return
                await wheel.schedule_many(chunk)
                advance(len(chunk))

        await asyncio.gather(*(writer() for _ in range(writers)))
    return Written(total, time.perf_counter() - started)


def burst_ids(count: int) -> list[str]:
    return [f"BURST-{n:06d}" for n in range(count)]


def burst_clock(request_id: str, due: datetime, calendar: str) -> ClockRecord:
    """A routed, claimed request whose resolution target (21 days) ends at `due`."""
    submitted = due - timedelta(days=30)
    return ClockRecord(
        request_id=request_id,
        category="water.no_supply",
        priority="normal",
        department_code="WASA-LHR",
        calendar=calendar,
        policy_id="default",
        first_response_target_seconds=3 * 8 * 3600.0,
        resolution_target_seconds=21 * 8 * 3600.0,
        submitted_at=submitted,
        routed_at=submitted + timedelta(minutes=1),
        first_response_at=submitted + timedelta(hours=2),
        state="in_progress",
        case_version=2,
        running_since=submitted,
        first_response_due_at=submitted + timedelta(days=4),
        resolution_due_at=due,
        generation=BURST_GENERATION,
    )


async def write_burst(
    repository: SlaRepository,
    wheel: TimerWheel,
    *,
    ids: list[str],
    due: datetime,
    calendar: str,
    batch: int,
) -> tuple[Written, Written]:
    """The burst's clocks, then one resolution breach per clock, all due at `due`."""
    started = time.perf_counter()
    limit = asyncio.Semaphore(CLOCK_WRITERS)
    with progress("burst clocks written", len(ids)) as advance:

        async def save(request_id: str) -> None:
            async with limit:
                await repository.save_clock(burst_clock(request_id, due, calendar))
            advance(1)

        await asyncio.gather(*(save(request_id) for request_id in ids))
    clocks = Written(len(ids), time.perf_counter() - started)
    started = time.perf_counter()
    breach = POINTS.index(("breached", "resolution", 0, None))
    timers = [
        (f"{rid}/breached/resolution/0", due, _payload(rid, BURST_GENERATION, breach))
        for rid in ids
    ]
    for first in range(0, len(timers), batch):
        await wheel.schedule_many(timers[first : first + batch])
    return clocks, Written(len(timers), time.perf_counter() - started)


async def write_one(
    repository: SlaRepository, wheel: TimerWheel, *, request_id: str, due: datetime, calendar: str
) -> None:
    """One running clock and its resolution breach due at `due` (ordinary load)."""
    await repository.save_clock(burst_clock(request_id, due, calendar))
    breach = POINTS.index(("breached", "resolution", 0, None))
    payload = _payload(request_id, BURST_GENERATION, breach)
    await wheel.schedule_many([(f"{request_id}/breached/resolution/0", due, payload)])
