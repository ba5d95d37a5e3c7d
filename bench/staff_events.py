"""Events for the consumer measurements, published straight to the lifecycle topic, a
watcher that sees what routing announced, and store round trips per event net of the
services' idle background (relay and lapse rounds).

Publishing the events directly keeps each measurement to one consumer: a submission or a
citizen's action reaches routing without intake's own writes, and a status change reaches
intake while routing is stopped.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer
from nigrani_shared.events import (
    Actor,
    CaseChanged,
    CitizenActed,
    EventEnvelope,
    PlaceRef,
    RequestSubmitted,
    new_event,
)
from nigrani_shared.kafka.producer import create_producer, publish

from bench.store_ops import command_counts

INTAKE = "/nigrani/intake"
WRITES = ("insert", "update", "delete", "findAndModify")
ROUTING = "/nigrani/routing"


def submitted(n: int) -> EventEnvelope:
    code = f"EVNT-{n // 10000:04d}-{n % 10000:04d}-{uuid.uuid4().hex[:4]}"
    place = PlaceRef(lat=31.52, lon=74.35, district="Lahore")
    data = RequestSubmitted(
        request_id=code,
        category="water.no_supply",
        place=place,
        channel="web",
        sensitive=False,
        anonymous=False,
        has_contact=True,
        submitted_at=datetime.now(UTC),
    )
    return new_event(data, subject=code, source=INTAKE)


def citizen_added_information(code: str) -> EventEnvelope:
    data = CitizenActed(
        request_id=code,
        action="add_information",
        message_id=str(uuid.uuid4()),
        acted_at=datetime.now(UTC),
    )
    return new_event(data, subject=code, source=INTAKE)


def claimed(code: str) -> EventEnvelope:
    """A status change as routing announces it: version 2, claimed by an officer."""
    data = CaseChanged(
        request_id=code,
        case_version=2,
        action="claim",
        from_state="routed",
        to_state="assigned",
        department_code="WASA-LHR",
        department_name="Water and Sanitation Agency Lahore",
        assignee="officer-1",
        priority="normal",
        transfers=0,
        reopened=0,
        actor=Actor(kind="staff", staff_id="officer-1", role="officer", department="WASA-LHR"),
        reason=None,
        public_note="An officer is looking at your request.",
        internal_note=None,
        message_id=None,
        occurred_at=datetime.now(UTC),
    )
    return new_event(data, subject=code, source=ROUTING)


async def publish_all(bootstrap: str, topic: str, events: list[EventEnvelope]) -> None:
    producer = create_producer(bootstrap, client_id="nigrani-bench")
    await producer.start()
    try:
        await asyncio.gather(*(publish(producer, topic, event) for event in events))
    finally:
        await producer.stop()


class LifecycleWatcher:
    """Records, per tracking code, the routed department and each case change's action."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self._consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="latest"
        )
        self.department: dict[str, str] = {}
        self.actions: set[tuple[str, str]] = set()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        await self._consumer.seek_to_end()
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            batch = await self._consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for record in records:
                    event = json.loads(record.value)
                    if event["type"].startswith("org.nigrani.request.routed"):
                        self.department[event["subject"]] = event["data"]["department_code"]
                    elif event["type"].startswith("org.nigrani.request.status_changed"):
                        self.actions.add((event["subject"], event["data"]["action"]))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self._consumer.stop()


async def until(condition: Callable[[], bool], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.1)
    return False


Counts = Callable[[], Awaitable[dict[str, int]]]


class StoreMeter:
    """Round trips per unit of work, less what the idle services spend in the same time.
    Counted by the store (`serverStatus`, every client) unless `counts` reads them from
    elsewhere (one process's own count)."""

    def __init__(self, uri: str, counts: Counts | None = None) -> None:
        self._uri = uri
        self._counts = counts or (lambda: command_counts(uri))
        self.idle_per_s: dict[str, float] = {}
        self.details: list[dict[str, object]] = []  # raw counts and idle share, per measure

    async def calibrate(self, seconds: float) -> None:
        before = await self._counts()
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        after = await self._counts()
        elapsed = time.perf_counter() - started
        self.idle_per_s = {k: (after[k] - before.get(k, 0)) / elapsed for k in after}

    async def measure(self, work: Callable[[], Awaitable[int]]) -> dict[str, float]:
        """Runs `work` (which returns how many units it did): round trips per unit."""
        before = await self._counts()
        started = time.perf_counter()
        units = await work()
        after = await self._counts()
        elapsed = time.perf_counter() - started
        net = {
            k: after[k] - before.get(k, 0) - self.idle_per_s.get(k, 0.0) * elapsed for k in after
        }
        raw = {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}
        idle = {k: round(v * elapsed, 1) for k, v in self.idle_per_s.items() if v}
        self.details.append(
            {"units": units, "seconds": round(elapsed, 1), "raw": raw, "idle": idle}
        )
        result = {k: round(v / units, 2) for k, v in sorted(net.items()) if round(v / units, 2)}
        result["total"] = round(sum(net.values()) / units, 2)
        return result

    async def settle(self, within: float) -> None:
        """Waits until two seconds in a row pass without a write (idle rounds only read)."""
        deadline = time.monotonic() + within
        quiet = 0
        before = await self._counts()
        while quiet < 2 and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            after = await self._counts()
            writes = sum(after.get(k, 0) - before.get(k, 0) for k in WRITES)
            quiet = quiet + 1 if writes == 0 else 0
            before = after
