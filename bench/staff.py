"""`python -m bench --only staff`: department work (issue 6), figures for the README.

Three phases, each with only the services it measures running (as real processes):

1. routing alone, empty store: store round trips per consumed `request.submitted` (open a
   case) and `request.citizen_acted`; officers doing claim -> start -> note through the
   API (actions/s, p50/p99, round trips per action) next to a bare store insert;
2. intake alone: round trips per consumed `request.status_changed` (a timeline entry);
3. routing on a seeded store (100,000 cases, 10,000 open in one department): the queue's
   first page p50/p99, start-up to ready with the resync, RSS; and the store-side query
   the in-memory queue replaced, a few samples.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
import uuid
from pathlib import Path
from typing import Any

from nigrani_localinfra.ports import free_ports
from nigrani_localinfra.stack import InfraEndpoints
from nigrani_localinfra.system import SERVICES, Service, start_service, stop_services, wait_ready

from bench import staff_events as events
from bench import staff_seed as seeding
from bench.load import closed_loop
from bench.raw_limits import bare_insert
from bench.staff_actions import ASK_CITIZEN, WORK, Timed, officers, staff_headers, timed_gets
from bench.store_ops import command_counts

QUEUE_PATHS = {
    "age": "/staff/v1/queue?limit=50",
    "priority": "/staff/v1/queue?limit=50&sort=priority",
    "filtered": f"/staff/v1/queue?limit=50&category={seeding.FILTER_CATEGORY}&unassigned=true",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("staff (department work)")
    group.add_argument("--staff-cases", type=int, default=300, help="cases the officers work")
    group.add_argument("--officers", type=int, default=8, help="concurrent officers")
    group.add_argument("--events", type=int, default=300, help="events per consumer figure")
    group.add_argument("--queue-total", type=int, default=100_000)
    group.add_argument("--queue-open", type=int, default=10_000)
    group.add_argument("--queue-gets", type=int, default=300, help="GETs per queue variant")
    group.add_argument("--scan-samples", type=int, default=5)


def _say(message: str) -> None:
    print(message, flush=True)


def _service(name: str) -> Service:
    return next(s for s in SERVICES if s.name == name)


async def _start(run_dir: Path, service: Service, endpoints: InfraEndpoints) -> tuple[int, float]:
    """Starts `service` on a free port: its pid and the seconds from spawn to /readyz."""
    os.environ[service.port_variable] = str(free_ports(1)[0])
    started = time.perf_counter()
    pid = start_service(run_dir, service, endpoints)
    await wait_ready(run_dir, service, within=300)
    return pid, round(time.perf_counter() - started, 1)


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _environment() -> tuple[str, str]:
    """A fresh topic prefix and databases for one phase (so that no phase's consumer meets
    another's events): the lifecycle topic and routing's database."""
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    os.environ.update(
        TOPIC_PREFIX=prefix,
        INTAKE_DATABASE=f"{prefix}_intake",
        ROUTING_DATABASE=f"{prefix}_routing",
        LOG_LEVEL="WARNING",
        RATE_LIMIT_SUBMIT="1000000",
        RATE_LIMIT_LOOKUP="1000000",
    )
    return f"{prefix}.requests.lifecycle", f"{prefix}_routing"


async def run(args: argparse.Namespace, endpoints: InfraEndpoints, run_dir: Path) -> dict[str, Any]:
    uri, kafka = endpoints.mongodb_uri, endpoints.kafka_bootstrap_servers
    _say(f"[staff] bare store insert, {args.officers} in flight")
    insert = await bare_insert(uri, documents=2000, concurrency=args.officers)
    _say(f"[staff] compare-and-set: {args.officers} writers of one version, 50 rounds")
    race = await seeding.compare_and_set_race(uri, rounds=50, writers=args.officers)
    result: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "raw_store_inserts_per_s": round(insert.per_second),
        "officers": args.officers,
        "compare_and_set_race": race,
    }
    topic, _ = _environment()
    result.update(await _routing_phase(args, uri, kafka, topic, run_dir))
    topic, _ = _environment()
    result.update(await _intake_phase(args, endpoints, topic, run_dir))
    _, database = _environment()
    result.update(await _queue_phase(args, endpoints, database, run_dir))
    return result


async def _routing_phase(
    args: argparse.Namespace, uri: str, kafka: str, topic: str, run_dir: Path
) -> dict[str, Any]:
    routing = _service("routing")
    endpoints = InfraEndpoints(kafka_bootstrap_servers=kafka, mongodb_uri=uri)
    pid, ready_s = await _start(run_dir, routing, endpoints)
    watcher = events.LifecycleWatcher(kafka, topic)
    meter = events.StoreMeter(uri)
    try:
        rss_idle = _rss_mib(pid)
        await watcher.start()
        await meter.calibrate(4.0)
        _say(f"[staff] routing consumer: {args.events} request.submitted")
        opened = [events.submitted(n) for n in range(args.events)]

        async def open_cases() -> int:
            await events.publish_all(kafka, topic, opened)
            await events.until(lambda: all(e.subject in watcher.department for e in opened), 120)
            await meter.settle(10)
            return len(opened)

        per_submitted = await meter.measure(open_cases)
        cases = {e.subject: watcher.department[e.subject] for e in opened[: args.staff_cases]}
        _say(f"[staff] {args.officers} officers: claim, start, note on {len(cases)} cases")
        timed: list[Timed] = []

        async def work() -> int:
            timed.append(await officers(routing.url, cases, WORK, concurrency=args.officers))
            await meter.settle(10)
            return timed[0].rate.count

        per_action = await meter.measure(work)
        asked = await officers(routing.url, cases, ASK_CITIZEN, concurrency=args.officers)
        await meter.settle(10)
        _say(f"[staff] routing consumer: {len(cases)} request.citizen_acted")
        replies = [events.citizen_added_information(code) for code in cases]

        async def citizen_replies() -> int:
            await events.publish_all(kafka, topic, replies)
            wanted = {(e.subject, "add_information") for e in replies}
            await events.until(lambda: wanted <= watcher.actions, 120)
            await meter.settle(10)
            return len(replies)

        per_citizen = await meter.measure(citizen_replies)
        rss_after = _rss_mib(pid)
    finally:
        await watcher.stop()
        await stop_services(run_dir, [routing])
    return {
        "routing_ready_s_empty": ready_s,
        "routing_rss_mib_empty": {"ready": rss_idle, "after_actions": rss_after},
        "idle_round_trips_per_s": {k: round(v, 2) for k, v in meter.idle_per_s.items() if v},
        "round_trips_per_submitted": per_submitted,
        "staff_actions": timed[0].summary(),
        "round_trips_per_action": per_action,
        "round_trips_per_citizen_acted": per_citizen,
        "request_information_errors": asked.errors,
        "store_meter": meter.details,
    }


async def _intake_phase(
    args: argparse.Namespace, endpoints: InfraEndpoints, topic: str, run_dir: Path
) -> dict[str, Any]:
    intake = _service("intake")
    await _start(run_dir, intake, endpoints)
    meter = events.StoreMeter(endpoints.mongodb_uri)
    try:
        _, codes = await closed_loop(intake.url, requests=args.events, concurrency=args.officers)
        await meter.settle(30)  # the outbox relay has published the submissions
        await meter.calibrate(4.0)
        _say(f"[staff] intake consumer: {len(codes)} request.status_changed")

        async def status_changes() -> int:
            before = await command_counts(endpoints.mongodb_uri)
            await events.publish_all(
                endpoints.kafka_bootstrap_servers, topic, [events.claimed(c) for c in codes]
            )
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                after = await command_counts(endpoints.mongodb_uri)
                if after.get("update", 0) - before.get("update", 0) >= len(codes):
                    break
                await asyncio.sleep(0.2)
            await meter.settle(10)
            return len(codes)

        per_status_changed = await meter.measure(status_changes)
    finally:
        await stop_services(run_dir, [intake])
    return {
        "round_trips_per_status_changed": per_status_changed,
        "store_meter_intake": meter.details,
    }


async def _queue_phase(
    args: argparse.Namespace, endpoints: InfraEndpoints, database: str, run_dir: Path
) -> dict[str, Any]:
    uri = endpoints.mongodb_uri
    shape = seeding.Shape(
        total=args.queue_total,
        open_in_department=args.queue_open,
        closed_in_department=min(3 * args.queue_open, args.queue_total - args.queue_open),
    )
    _say(f"[staff] seeding {shape.total} cases, {shape.open_in_department} open in one dept")
    seed_s = await seeding.seed(uri, database, shape)
    _say(f"[staff] the store-side queue query, {args.scan_samples} samples")
    scan = await seeding.store_queue_scan(uri, database, args.scan_samples)
    updates = await seeding.conditional_updates(uri, database, args.scan_samples)
    resync = await seeding.resync_in_process(uri, database)
    routing = _service("routing")
    _say("[staff] routing on the seeded store: start-up, then the queue's first page")
    pid, ready_s = await _start(run_dir, routing, endpoints)
    try:
        rss_ready = _rss_mib(pid)
        headers = staff_headers("officer-1", seeding.DEPARTMENT)
        pages = {
            name: (await timed_gets(routing.url, path, headers, requests=args.queue_gets)).summary()
            for name, path in QUEUE_PATHS.items()
        }
        rss_after = _rss_mib(pid)
    finally:
        await stop_services(run_dir, [routing])
    return {
        "queue_cases": shape.total,
        "queue_open_in_department": shape.open_in_department,
        "seed_s": round(seed_s, 1),
        "store_queue_query": scan,
        "store_conditional_update": updates,
        "resync_in_bench_process": resync,
        "routing_ready_s_seeded": ready_s,
        "routing_rss_mib_seeded": {"ready": rss_ready, "after_gets": rss_after},
        "queue_first_page": pages,
    }
