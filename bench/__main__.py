"""`make bench`: raw limits, intake throughput, store round trips per request,
submit-to-routed latency, and the public status GET against a bare FastAPI endpoint; then
department work (staff.py: the queue at 100,000 cases, staff actions, consumers' round trips);
then the SLA service's timers (sla_timers.py: a million open timers, a burst due in one
second, firing lateness, drain, memory, round trips per lifecycle event); then the notify
service's deliveries (notify.py: to a local SMTP server and SMS gateway, per second,
latency from the lifecycle event, store round trips per delivery); then the operator's
long job (rebuild.py: `nigrani read-model rebuild intake`, with and without `--drop`, over
the lifecycle topic of thousands of routed requests, checked against the live read model).

Runs the services as real processes (uvicorn, consumers embedded) on free ports against the
local stack (or KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI), prints a Markdown table for the
README and writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from nigrani_localinfra.ports import free_ports
from nigrani_localinfra.processes import read_pid, start_detached, stop_process
from nigrani_localinfra.stack import InfraEndpoints, start_stack, stop_stack
from nigrani_localinfra.system import SERVICES, start_service, stop_services, wait_ready

from bench import (
    bare_app,
    notify,
    notify_table,
    rebuild,
    rebuild_table,
    sla_table,
    sla_timers,
    staff,
    staff_table,
)
from bench.load import RoutedWatcher, closed_loop, open_loop
from bench.raw_limits import bare_insert, bare_producer
from bench.reads import get_loop
from bench.stats import percentile
from bench.store_ops import command_counts, per_request

RESULTS = Path(__file__).with_name("results")


def _say(message: str) -> None:
    print(message, flush=True)


async def _run(
    args: argparse.Namespace, endpoints: InfraEndpoints, run_dir: Path
) -> dict[str, object]:
    _say("[bench] raw limits: bare aiokafka producer, bare store insert")
    producer = await bare_producer(endpoints.kafka_bootstrap_servers, messages=args.raw_messages)
    insert = await bare_insert(
        endpoints.mongodb_uri, documents=args.raw_inserts, concurrency=args.concurrency
    )
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    os.environ.update(
        TOPIC_PREFIX=prefix,
        INTAKE_DATABASE=f"{prefix}_intake",
        ROUTING_DATABASE=f"{prefix}_routing",
        LOG_LEVEL="WARNING",
        # One load generator is one client: limits stay on (their cost is measured) but
        # far above what it sends.
        RATE_LIMIT_SUBMIT="1000000",
        RATE_LIMIT_LOOKUP="1000000",
    )
    services = [s for s in SERVICES if s.name in ("intake", "routing")]
    for service, port in zip(services, free_ports(len(services)), strict=True):
        os.environ[service.port_variable] = str(port)
        start_service(run_dir, service, endpoints)
    try:
        for service in services:
            await wait_ready(run_dir, service)
        intake_url = services[0].url
        watcher = RoutedWatcher(endpoints.kafka_bootstrap_servers, f"{prefix}.requests.lifecycle")
        await watcher.start()
        _say(f"[bench] warm-up, then {args.requests} submissions with {args.concurrency} clients")
        _, warm_codes = await closed_loop(intake_url, requests=50, concurrency=args.concurrency)
        await watcher.wait_for(warm_codes, within=120)
        ops_before = await command_counts(endpoints.mongodb_uri)
        throughput, codes = await closed_loop(
            intake_url, requests=args.requests, concurrency=args.concurrency
        )
        _say("[bench] waiting for that backlog to be routed before measuring latency")
        await watcher.wait_for(codes, within=600)
        ops = per_request(ops_before, await command_counts(endpoints.mongodb_uri), len(codes))
        backlog_routed = sum(code in watcher.routed_at for code in codes)
        _say(f"[bench] open loop: {args.rate}/s for {args.seconds}s, submit-to-routed latency")
        latencies = await open_loop(intake_url, watcher, rate=args.rate, seconds=args.seconds)
        await watcher.stop()
        routed = [code for code in codes if code in watcher.routed_at]
        reads = await _status_reads(args, intake_url, routed, run_dir)
    finally:
        await stop_services(run_dir, services)
    offered = int(args.rate * args.seconds)
    return {
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "raw_producer_msgs_per_s": round(producer.per_second),
        "raw_store_inserts_per_s": round(insert.per_second),
        "intake_submissions_per_s": round(throughput.per_second, 1),
        "concurrency": args.concurrency,
        "closed_loop_routed": f"{backlog_routed} of {len(codes)}",
        "store_round_trips_per_request": ops,
        "offered_rate_per_s": args.rate,
        "offered_requests": offered,
        "routed_within_60s": len(latencies),
        "p50_submit_to_routed_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_submit_to_routed_ms": round(percentile(latencies, 0.99) * 1000, 1),
        **reads,
    }


async def _status_reads(
    args: argparse.Namespace, intake_url: str, routed: list[str], run_dir: Path
) -> dict[str, object]:
    """The public status GET of routed requests, and a bare FastAPI GET, same uvicorn."""
    port = free_ports(1)[0]
    marker = f"--nigrani-run={run_dir}/bench-bare"
    pid_path = run_dir / "bench-bare.pid"
    start_detached(
        [sys.executable, "-m", "bench.bare_app", marker],
        log_path=run_dir / "logs" / "bench-bare.log",
        pid_path=pid_path,
        env={**os.environ, bare_app.PORT_VARIABLE: str(port)},
    )
    hot = routed[: args.status_codes]
    duration, clients = args.get_seconds, args.get_concurrency
    try:
        await _wait_answers(f"http://127.0.0.1:{port}/v1/requests/x")
        _say(f"[bench] GET: bare FastAPI, then status of {len(hot)} and of {len(routed)} codes")
        bare = await get_loop(
            f"http://127.0.0.1:{port}", ["/v1/requests/x"], concurrency=clients, seconds=duration
        )
        lookups_before = await _status_lookups(intake_url)
        status_hot = await get_loop(
            intake_url, [f"/v1/requests/{c}" for c in hot], concurrency=clients, seconds=duration
        )
        lookups_hot = await _status_lookups(intake_url)
        status_all = await get_loop(
            intake_url, [f"/v1/requests/{c}" for c in routed], concurrency=clients, seconds=duration
        )
        lookups_all = await _status_lookups(intake_url)
    finally:
        await stop_process(read_pid(pid_path), marker=marker, name="bare app", log=_say)
    return {
        "get_concurrency": clients,
        "bare_get": bare.summary(),
        "status_get_hot": {
            "codes": len(hot),
            **status_hot.summary(),
            "hit_ratio": _hit_ratio(lookups_before, lookups_hot),
        },
        "status_get_all": {
            "codes": len(routed),
            **status_all.summary(),
            "hit_ratio": _hit_ratio(lookups_hot, lookups_all),
        },
    }


async def _wait_answers(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


async def _status_lookups(intake_url: str) -> dict[str, float]:
    """intake's status cache counters from /metrics, by outcome."""
    async with aiohttp.ClientSession() as session, session.get(f"{intake_url}/metrics") as r:
        text = await r.text()
    found = re.findall(r'^nigrani_status_cache_lookups_total\{outcome="(\w+)"\} (\S+)$', text, re.M)
    return {outcome: float(value) for outcome, value in found}


def _hit_ratio(before: dict[str, float], after: dict[str, float]) -> float:
    delta = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    total = sum(delta.values())
    return round(delta.get("hit", 0.0) / total, 3) if total else 0.0


def _table(result: dict[str, Any]) -> str:
    rows = [
        (
            "bare aiokafka producer (idempotent, acks=all)",
            f"{result['raw_producer_msgs_per_s']} msg/s",
        ),
        (
            f"bare store insert_one ({result['concurrency']} in flight)",
            f"{result['raw_store_inserts_per_s']} docs/s",
        ),
        (
            f"intake POST /v1/requests ({result['concurrency']} clients)",
            f"{result['intake_submissions_per_s']} req/s",
        ),
        (
            f"submit-to-routed p50 at {result['offered_rate_per_s']} req/s",
            f"{result['p50_submit_to_routed_ms']} ms",
        ),
        (
            f"submit-to-routed p99 at {result['offered_rate_per_s']} req/s",
            f"{result['p99_submit_to_routed_ms']} ms",
        ),
        ("routed within 60 s", f"{result['routed_within_60s']} of {result['offered_requests']}"),
        (
            "store round trips per request, POST to routed",
            _round_trips(result["store_round_trips_per_request"]),
        ),
        *_get_rows(result),
    ]
    return "\n".join(
        ["| measure | result |", "| --- | --- |", *(f"| {a} | {b} |" for a, b in rows)]
    )


def _round_trips(ops: object) -> str:
    assert isinstance(ops, dict)
    parts = ", ".join(f"{name} {n}" for name, n in ops.items() if name != "total")
    return f"{ops['total']} ({parts})"


def _get_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    clients = result["get_concurrency"]
    bare = result["bare_get"]
    rows = [(f"bare FastAPI GET, same uvicorn ({clients} clients)", _get_figures(bare))]
    for key, label in (("status_get_hot", "hot"), ("status_get_all", "all")):
        r = result[key]
        share = r["per_s"] / bare["per_s"] if bare["per_s"] else 0.0
        rows.append(
            (
                f"intake GET /v1/requests/{{code}}, {r['codes']} routed codes ({label}), "
                f"{clients} clients",
                f"{_get_figures(r)}; {share:.0%} of bare; cache hits {r['hit_ratio']:.0%}",
            )
        )
    return rows


def _get_figures(r: dict[str, Any]) -> str:
    return f"{r['per_s']} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms"


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="nigrani-bench-") as tmp:
        run_dir = Path(tmp)
        kafka, mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URI")
        own_stack = not (kafka and mongo)
        if own_stack:
            endpoints = await start_stack(run_dir / "infra", log=_say)
        else:
            endpoints = InfraEndpoints(kafka_bootstrap_servers=kafka or "", mongodb_uri=mongo or "")
        RESULTS.mkdir(exist_ok=True)
        try:
            if args.only in (None, "system"):
                result = await _run(args, endpoints, run_dir)
                (RESULTS / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
                _say(_table(result))
            if args.only in (None, "staff"):
                figures = await staff.run(args, endpoints, run_dir)
                (RESULTS / "staff.json").write_text(json.dumps(figures, indent=2) + "\n")
                _say(staff_table.table(figures))
            if args.only in (None, "sla"):
                timers = await sla_timers.run(args, endpoints, run_dir)
                (RESULTS / "sla.json").write_text(json.dumps(timers, indent=2) + "\n")
                _say(sla_table.table(timers))
            if args.only in (None, "notify"):
                deliveries = await notify.run(args, endpoints, run_dir)
                (RESULTS / "notify.json").write_text(json.dumps(deliveries, indent=2) + "\n")
                _say(notify_table.table(deliveries))
            if args.only in (None, "rebuild"):
                rebuilt = await rebuild.run(args, endpoints, run_dir)
                (RESULTS / "rebuild.json").write_text(json.dumps(rebuilt, indent=2) + "\n")
                _say(rebuild_table.table(rebuilt))
        finally:
            if own_stack:
                await stop_stack(run_dir / "infra", log=_say)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--only",
        choices=["system", "staff", "sla", "notify", "rebuild"],
        help="one part: intake and routing, staff, the SLA service's timers, notify, or"
        " rebuilding intake's read model with the operator's command",
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=20.0, help="offered load, requests/s")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--raw-messages", type=int, default=20000)
    parser.add_argument("--raw-inserts", type=int, default=2000)
    parser.add_argument("--get-concurrency", type=int, default=16)
    parser.add_argument("--get-seconds", type=float, default=10.0)
    parser.add_argument(
        "--status-codes", type=int, default=100, help="routed codes the hot status GETs cycle"
    )
    staff.add_arguments(parser)
    sla_timers.add_arguments(parser)
    notify.add_arguments(parser)
    rebuild.add_arguments(parser)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(_arguments()))
