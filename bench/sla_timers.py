"""`python -m bench --only sla`: the SLA service's timers at issue 7's scale, figures for
the README.

1. A million open timers in the store: all but the burst due over the coming weeks,
   written through `TimerWheel.schedule_many` in batches (the rate of new timers); then
   the burst, requests whose resolution breach falls in one second T, with running clocks.
2. The SLA service as a real process (`python -m nigrani_sla`, consumer embedded) on the
   same database and topic prefix: firing lateness of each breach (its `fired_at`, and the
   Kafka record's timestamp, less T), time to drain (T to the last one published), store
   round trips per firing, and the process's memory at ready, idle before T, after the
   drain, and its peak.
3. The clock keeper in this process against the loaded store: round trips per lifecycle
   event (sla_keeper.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from nigrani_localinfra.ports import free_ports
from nigrani_localinfra.stack import InfraEndpoints
from nigrani_localinfra.system import SERVICES, start_service, stop_services, wait_ready
from nigrani_shared.clock import utc_now
from nigrani_shared.store.client import create_client
from nigrani_shared.timer_wheel import TimerWheel
from nigrani_sla.calendar import DEFAULT_CALENDARS_PATH, DEFAULT_CLOSURES_PATH
from nigrani_sla.calendar.loader import load_calendars
from nigrani_sla.composition import WHEEL
from nigrani_sla.repository import TIMERS, SlaRepository

from bench.progress import say
from bench.sla_keeper import keeper_round_trips
from bench.sla_seed import Written, burst_ids, preload_far, write_burst, write_one
from bench.sla_watch import BreachWatcher, cpu_snapshot, cpu_split, infra_pids, memory_mib
from bench.staff_events import StoreMeter
from bench.stats import percentile

SERVICE = next(s for s in SERVICES if s.name == "sla")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sla (timers)")
    group.add_argument("--timers", type=int, default=1_000_000, help="open timers, burst included")
    group.add_argument("--burst", type=int, default=10_000, help="timers due in one second")
    group.add_argument("--timer-batch", type=int, default=1000, help="timers per schedule_many")
    group.add_argument("--timer-writers", type=int, default=2, help="schedule_many calls in flight")
    group.add_argument(
        "--burst-lead", type=float, default=60.0, help="seconds from the service ready to T"
    )
    group.add_argument("--drain-within", type=float, default=900.0, help="give up after (s)")
    group.add_argument("--lifecycles", type=int, default=500, help="keeper lifecycles")
    group.add_argument(
        "--steady", type=int, default=300, help="timers due one by one (ordinary load)"
    )
    group.add_argument(
        "--steady-spacing", type=float, default=0.2, help="seconds between their due times"
    )


def _rate(written: Written) -> dict[str, float]:
    return {"count": written.count, "seconds": round(written.seconds, 1),
            "per_s": round(written.per_second)}  # fmt: skip


async def run(args: argparse.Namespace, endpoints: InfraEndpoints, run_dir: Path) -> dict[str, Any]:
    uri, kafka = endpoints.mongodb_uri, endpoints.kafka_bootstrap_servers
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    database, topic = f"{prefix}_sla", f"{prefix}.requests.lifecycle"
    os.environ.update(TOPIC_PREFIX=prefix, SLA_DATABASE=database, LOG_LEVEL="WARNING")
    calendar = load_calendars(DEFAULT_CALENDARS_PATH, DEFAULT_CLOSURES_PATH).default.name
    far_count = args.timers - args.burst
    result: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "open_timers": args.timers,
        "burst": args.burst,
        "timer_batch": args.timer_batch,
        "timer_writers": args.timer_writers,
    }
    client = create_client(uri, app_name="nigrani-bench-sla")
    try:
        wheel = TimerWheel(client[database][TIMERS], WHEEL)
        repository = SlaRepository(client[database])
        say(f"[sla] {far_count:,} timers due in 1 to 22 days, {args.timer_batch} per call")
        result["far_timers_written"] = _rate(
            await preload_far(
                wheel, total=far_count, batch=args.timer_batch, writers=args.timer_writers
            )
        )
        say("[sla] starting the SLA service on that store")
        pid, result["service_ready_s"] = await _start(run_dir, endpoints)
        try:
            pids = {"sla": pid, **infra_pids(run_dir), "bench": os.getpid()}
            say(f"[sla] ordinary load: {args.steady} timers due {args.steady_spacing} s apart")
            result["steady"] = await _steady(
                args, endpoints, repository, wheel, topic, calendar=calendar
            )
            result.update(
                await _burst(args, endpoints, repository, wheel, pids, topic, calendar=calendar)
            )
        finally:
            await stop_services(run_dir, [SERVICE])
    finally:
        await client.close()
    say(f"[sla] clock keeper in process: {args.lifecycles} lifecycles, round trips per event")
    result["keeper"] = await keeper_round_trips(
        uri, kafka, database, topic, lifecycles=args.lifecycles, concurrency=8
    )
    return result


async def _start(run_dir: Path, endpoints: InfraEndpoints) -> tuple[int, float]:
    os.environ[SERVICE.port_variable] = str(free_ports(1)[0])
    started = time.perf_counter()
    pid = start_service(run_dir, SERVICE, endpoints)
    await wait_ready(run_dir, SERVICE, within=300)
    return pid, round(time.perf_counter() - started, 1)


async def _burst(
    args: argparse.Namespace,
    endpoints: InfraEndpoints,
    repository: SlaRepository,
    wheel: TimerWheel,
    pids: dict[str, int],
    topic: str,
    *,
    calendar: str,
) -> dict[str, Any]:
    pid = pids["sla"]
    memory = {"ready": memory_mib(pid)}
    ids = burst_ids(args.burst)
    watcher = BreachWatcher(endpoints.kafka_bootstrap_servers, topic, set(ids))
    await watcher.start()
    try:
        due = utc_now().replace(microsecond=0) + timedelta(seconds=args.burst_lead)
        say(f"[sla] burst: {len(ids):,} clocks and breaches due at {due:%H:%M:%S}")
        clocks, timers = await write_burst(
            repository, wheel, ids=ids, due=due, calendar=calendar, batch=args.timer_batch
        )
        meter = StoreMeter(endpoints.mongodb_uri)
        await meter.calibrate(4.0)
        left = (due - utc_now()).total_seconds()
        if left < 2:
            raise RuntimeError(f"the burst was ready {-left:.0f} s before T; raise --burst-lead")
        await asyncio.sleep(left - 1.5)
        memory["idle_before_due"] = memory_mib(pid)
        say(f"[sla] waiting for {len(ids):,} breaches (at most {args.drain_within:.0f} s)")

        cpu: dict[str, float] = {}

        async def drain() -> int:
            before = cpu_snapshot(pids)
            await watcher.until_drained(args.drain_within)
            cpu.update(cpu_split(before, pids))  # from T-1.5 s to the last one seen
            await meter.settle(30)  # the fired marks and outbox deletes after the last send
            return len(watcher.firings)

        per_firing = await meter.measure(drain)
        memory["after_drain"] = memory_mib(pid)
    finally:
        await watcher.stop()
    return {
        "burst_clocks_written": _rate(clocks),
        "burst_timers_written": _rate(timers),
        **_lateness(watcher, due, len(ids)),
        "store_round_trips_per_firing": per_firing,
        "store_meter": meter.details,
        "service_memory_mib": memory,
        "cpu_s_during_drain": cpu,
    }


async def _steady(
    args: argparse.Namespace,
    endpoints: InfraEndpoints,
    repository: SlaRepository,
    wheel: TimerWheel,
    topic: str,
    *,
    calendar: str,
) -> dict[str, Any]:
    """Timers falling due one at a time, at random moments within their second, as
    ordinary load does: how late each fires with a million others open."""
    ids = [f"STEADY-{n:05d}" for n in range(args.steady)]
    watcher = BreachWatcher(endpoints.kafka_bootstrap_servers, topic, set(ids))
    await watcher.start()
    try:
        first = utc_now() + timedelta(seconds=5 + args.steady * 0.02)  # after the writes
        dues = {
            rid: first + timedelta(seconds=n * args.steady_spacing + random.random())
            for n, rid in enumerate(ids)
        }
        for rid in ids:
            await write_one(repository, wheel, request_id=rid, due=dues[rid], calendar=calendar)
        if utc_now() > first:
            raise RuntimeError("the ordinary-load timers were written after the first was due")
        await watcher.until_drained(args.steady * args.steady_spacing + 60)
    finally:
        await watcher.stop()
    firings = watcher.firings
    return {
        "timers": len(ids),
        "fired": len(firings),
        "repeated_deliveries": watcher.repeats,
        "lateness_fired_at_s": _quantiles(
            [(firings[r].fired_at - dues[r]).total_seconds() for r in ids if r in firings]
        ),
        "lateness_published_s": _quantiles(
            [(firings[r].published_at - dues[r]).total_seconds() for r in ids if r in firings]
        ),
    }


def _lateness(watcher: BreachWatcher, due: datetime, wanted: int) -> dict[str, Any]:
    firings = list(watcher.firings.values())
    fired = [(f.fired_at - due).total_seconds() for f in firings]
    published = [(f.published_at - due).total_seconds() for f in firings]
    first, last = (min(published), max(published)) if published else (0.0, 0.0)
    return {
        "fired": len(firings),
        "wanted": wanted,
        "repeated_deliveries": watcher.repeats,
        "lateness_fired_at_s": _quantiles(fired),
        "lateness_published_s": _quantiles(published),
        "first_published_s": round(first, 3),
        "drain_s": round(last, 3),
        "firings_per_s": round(len(firings) / (last - first), 1) if last > first else None,
    }


def _quantiles(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 0.50), 3),
        "p99": round(percentile(values, 0.99), 3),
        "max": round(max(values), 3) if values else float("nan"),
    }
