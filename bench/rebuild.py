"""`python -m bench --only rebuild`: how long the operator's long job takes,
`nigrani read-model rebuild intake`, figures for the README.

1. Intake and routing run as real processes on the local stack (intake's consumer
   embedded); `--rebuild-requests` are submitted and routed, and intake's consumer group
   catches up with the lifecycle topic. The public view of a sample of them is read: the
   live consumer's read model, the reference.
2. Both services stop (so intake's group has no member, as `--drop` demands, and nothing
   else touches the store while it is measured); `nigrani lag` runs once.
3. `nigrani read-model rebuild intake --drop` runs as a child process with the services'
   environment (TOPIC_PREFIX, INTAKE_DATABASE, ...): wall time, events a second, its peak
   RSS and CPU, FerretDB's and Kafka's CPU, store round trips per event (`serverStatus`:
   the command is the store's only client then).
4. Intake restarts without its consumer (EMBEDDED_WORKER=false, status cache off): the
   sample's public views must equal the reference and each read-model collection must
   hold as many documents as before, or the run fails.
5. The same for a plain rebuild over the full read model (the idempotent path), checked
   the same way.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
import uuid
from pathlib import Path
from typing import Any

from nigrani_localinfra.ports import free_ports
from nigrani_localinfra.stack import InfraEndpoints
from nigrani_localinfra.system import SERVICES, start_service, stop_services, wait_ready
from nigrani_shared.kafka.topology import INTAKE_GROUP

from bench.load import RoutedWatcher, closed_loop
from bench.progress import say
from bench.rebuild_command import lag_totals, nigrani, rebuild_summary, run_command
from bench.rebuild_views import (
    Views,
    caught_up,
    differences,
    public_views,
    read_model_sizes,
    same_sizes,
    statuses,
)
from bench.sla_watch import cpu_snapshot, cpu_split, infra_pids
from bench.store_ops import command_counts, per_request

INTAKE = next(s for s in SERVICES if s.name == "intake")
ROUTING = next(s for s in SERVICES if s.name == "routing")
#: Set for this part only, and removed at its end (the other parts run after it).
_PART_ENVIRONMENT = ("STATUS_CACHE_TTL_SECONDS", "EMBEDDED_WORKER")


class RebuildBrokenError(RuntimeError):
    """The rebuilt read model is not the one the live consumer built."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("rebuild")
    group.add_argument(
        "--rebuild-requests", type=int, default=5000, help="requests submitted and routed first"
    )
    group.add_argument("--rebuild-concurrency", type=int, default=32, help="submitting clients")
    group.add_argument(
        "--rebuild-sample",
        type=int,
        default=1000,
        help="requests whose public view is compared after each rebuild (0: all)",
    )


async def run(args: argparse.Namespace, endpoints: InfraEndpoints, run_dir: Path) -> dict[str, Any]:
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    database = f"{prefix}_intake"
    os.environ.update(
        TOPIC_PREFIX=prefix,
        INTAKE_DATABASE=database,
        ROUTING_DATABASE=f"{prefix}_routing",
        LOG_LEVEL="WARNING",
        RATE_LIMIT_SUBMIT="1000000",
        RATE_LIMIT_LOOKUP="1000000",
        STATUS_CACHE_TTL_SECONDS="0",  # every view read from the store, never remembered
    )
    os.environ[INTAKE.port_variable], os.environ[ROUTING.port_variable] = map(str, free_ports(2))
    result: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        codes, result["fill"] = await _fill(args, endpoints, run_dir)
        sample = _sample(codes, args.rebuild_sample)
        reference = await _reference(run_dir, endpoints, sample, database)
        await stop_services(run_dir, [INTAKE, ROUTING])
        os.environ["EMBEDDED_WORKER"] = "false"
        result["start_up"] = await _start_up(endpoints, run_dir)
        result["lag"] = await _lag(endpoints, run_dir)
        for name, drop in (("drop", True), ("plain", False)):
            result[name] = await _rebuild(endpoints, run_dir, drop=drop)
            result[name]["check"] = await _check(run_dir, endpoints, reference, database, name)
        result["requests"] = len(codes)
        result["sample_statuses"] = statuses(reference.views)
    finally:
        await stop_services(run_dir, [INTAKE, ROUTING])
        for name in _PART_ENVIRONMENT:
            os.environ.pop(name, None)
    return result


def _sample(codes: list[str], size: int) -> list[str]:
    return codes if size <= 0 or size >= len(codes) else random.Random(9).sample(codes, size)


async def _fill(
    args: argparse.Namespace, endpoints: InfraEndpoints, run_dir: Path
) -> tuple[list[str], dict[str, Any]]:
    """Intake and routing up, the requests submitted and routed, intake caught up."""
    for service in (INTAKE, ROUTING):
        start_service(run_dir, service, endpoints)
    for service in (INTAKE, ROUTING):
        await wait_ready(run_dir, service)
    topic = f"{os.environ['TOPIC_PREFIX']}.requests.lifecycle"
    watcher = RoutedWatcher(endpoints.kafka_bootstrap_servers, topic)
    await watcher.start()
    try:
        n, clients = args.rebuild_requests, args.rebuild_concurrency
        say(f"[rebuild] {n:,} submissions with {clients} clients, then until all are routed")
        started = time.perf_counter()
        rate, codes = await closed_loop(INTAKE.url, requests=n, concurrency=clients)
        await watcher.wait_for(codes, within=max(600.0, n / 5))
        routed = sum(code in watcher.routed_at for code in codes)
    finally:
        await watcher.stop()
    if routed < len(codes):
        raise RebuildBrokenError(f"only {routed} of {len(codes)} requests were routed")
    say("[rebuild] waiting for intake's consumer group to reach the end of the topic")
    if not await caught_up(endpoints.kafka_bootstrap_servers, INTAKE_GROUP, topic, 300):
        raise RebuildBrokenError("intake's consumer did not catch up with the lifecycle topic")
    return codes, {
        "submissions_per_s": round(rate.per_second, 1),
        "submitted_to_all_caught_up_s": round(time.perf_counter() - started, 1),
    }


class _Reference:
    """The live consumer's read model: sampled views and collection sizes."""

    def __init__(self, views: Views, sizes: dict[str, int]) -> None:
        self.views = views
        self.sizes = sizes


async def _reference(
    run_dir: Path, endpoints: InfraEndpoints, sample: list[str], database: str
) -> _Reference:
    say(f"[rebuild] reading the public view of {len(sample):,} requests (the reference)")
    views = await public_views(INTAKE.url, sample)
    if statuses(views) != {"routed": len(sample)}:
        raise RebuildBrokenError(f"the reference is not every request routed: {statuses(views)}")
    return _Reference(views, await read_model_sizes(endpoints.mongodb_uri, database))


def _cli_environment(endpoints: InfraEndpoints) -> dict[str, str]:
    """The services' environment, as an operator would point the command at them."""
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers,
        "MONGODB_URI": endpoints.mongodb_uri,
    }


async def _start_up(endpoints: InfraEndpoints, run_dir: Path) -> dict[str, object]:
    """`nigrani --help`: what every command pays before its work (interpreter, imports)."""
    done = await run_command([*nigrani(), "--help"], _cli_environment(endpoints), run_dir / "cli")
    return done.figures()


async def _lag(endpoints: InfraEndpoints, run_dir: Path) -> dict[str, object]:
    say("[rebuild] nigrani lag")
    done = await run_command([*nigrani(), "lag"], _cli_environment(endpoints), run_dir / "cli")
    if done.returncode != 0:
        raise RebuildBrokenError(f"nigrani lag failed: {done.stderr.strip()}")
    totals = lag_totals(done.stdout)
    return {**done.figures(), "groups": len(totals), "intake_total_lag": totals.get(INTAKE_GROUP)}


async def _rebuild(endpoints: InfraEndpoints, run_dir: Path, *, drop: bool) -> dict[str, Any]:
    argv = [*nigrani(), "read-model", "rebuild", "intake", *(["--drop"] if drop else [])]
    say(f"[rebuild] nigrani {' '.join(argv[len(nigrani()) :])}")
    load_average = [round(x, 2) for x in os.getloadavg()]
    infra = infra_pids(run_dir)
    cpu_before = cpu_snapshot(infra)
    ops_before = await command_counts(endpoints.mongodb_uri)
    done = await run_command(argv, _cli_environment(endpoints), run_dir / "cli")
    ops_after = await command_counts(endpoints.mongodb_uri)
    if done.returncode != 0:
        raise RebuildBrokenError(f"{' '.join(argv)} failed: {done.stderr.strip()[-2000:]}")
    counts = rebuild_summary(done.stdout)
    return {
        **done.figures(),
        **counts,
        "events_per_s": round(counts["read"] / done.wall_s, 1),
        "applied_per_s": round(counts["applied"] / done.wall_s, 1),
        "store_round_trips_per_event": per_request(ops_before, ops_after, counts["read"]),
        "infra_cpu_s": cpu_split(cpu_before, infra),
        "load_average_before": load_average,  # 1, 5 and 15 minutes: was the machine quiet?
    }


async def _check(
    run_dir: Path, endpoints: InfraEndpoints, reference: _Reference, database: str, name: str
) -> dict[str, Any]:
    """Intake's API alone (no consumer) serves the rebuilt read model; it must be the
    reference, view for view and collection by collection."""
    sizes = await read_model_sizes(endpoints.mongodb_uri, database)
    start_service(run_dir, INTAKE, endpoints)
    try:
        await wait_ready(run_dir, INTAKE)
        views = await public_views(INTAKE.url, reference.views)
    finally:
        await stop_services(run_dir, [INTAKE])
    problems = same_sizes(reference.sizes, sizes) + differences(reference.views, views)
    if problems:
        shown = "; ".join(problems[:5])
        raise RebuildBrokenError(f"after the {name} rebuild, {len(problems)} differ: {shown}")
    say(f"[rebuild] after the {name} rebuild: {len(views):,} public views equal, sizes {sizes}")
    return {"views_equal": len(views), "read_model_documents": sizes}
