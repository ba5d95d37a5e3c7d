"""What the SLA bench watches: the breaches the service publishes (from the lifecycle
topic, as every consumer sees them) and the service process's memory."""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from nigrani_localinfra.stack import read_state

BREACHED = "org.nigrani.sla.breached.v1"


@dataclass
class Firing:
    fired_at: datetime  # the event's own `fired_at`
    published_at: datetime  # the Kafka record's timestamp (set by the producer)
    seen_at: float  # time.time() when this watcher read it


@dataclass
class BreachWatcher:
    """Collects `sla.breached` of the requests in `wanted`, first delivery of each id;
    counts further deliveries of an id already seen (a refiring would show here)."""

    bootstrap: str
    topic: str
    wanted: set[str]
    firings: dict[str, Firing] = field(default_factory=dict)
    repeats: int = 0
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None
    _ids: set[str] = field(default_factory=set)

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            self.topic,
            bootstrap_servers=self.bootstrap,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        assert self._consumer is not None
        while True:
            batch = await self._consumer.getmany(timeout_ms=200, max_records=5000)
            now = time.time()
            for records in batch.values():
                for record in records:
                    self._take(json.loads(record.value), record.timestamp, now)

    def _take(self, event: dict[str, object], timestamp_ms: int, now: float) -> None:
        if event["type"] != BREACHED or event["subject"] not in self.wanted:
            return
        event_id = str(event["id"])
        if event_id in self._ids:
            self.repeats += 1
            return
        self._ids.add(event_id)
        data = event["data"]
        assert isinstance(data, dict)
        self.firings[str(event["subject"])] = Firing(
            fired_at=datetime.fromisoformat(str(data["fired_at"])),
            published_at=datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC),
            seen_at=now,
        )

    async def until_drained(self, within: float) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if len(self.firings) >= len(self.wanted):
                return True
            await asyncio.sleep(0.2)
        return False

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (resident now) and VmHWM (the peak resident so far) of a process, in MiB."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = round(int(value.split()[0]) / 1024, 1)
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (/proc/<pid>/stat)."""
    # The command name (field 2) may hold spaces; the fields after its ")" are fixed.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_split(before: dict[str, float], pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds each process used since `before` (a dict from `cpu_snapshot`)."""
    return {name: round(cpu_seconds(pid) - before[name], 1) for name, pid in pids.items()}


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


def infra_pids(run_dir: Path) -> dict[str, int]:
    """FerretDB's and Kafka's pids when this bench started them (not for a stack given
    by KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI)."""
    state = read_state(run_dir / "infra")
    if state is None:
        return {}
    found = {"ferretdb": state.ferretdb_pid, "kafka": state.kafka_pid}
    return {name: pid for name, pid in found.items() if pid is not None}
