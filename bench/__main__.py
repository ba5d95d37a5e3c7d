"""`make bench`: raw limits, then intake throughput and submit-to-routed latency.

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
import tempfile
import uuid
from pathlib import Path

from nigrani_localinfra.ports import free_ports
from nigrani_localinfra.stack import InfraEndpoints, start_stack, stop_stack
from nigrani_localinfra.system import SERVICES, start_service, stop_services, wait_ready

from bench.load import RoutedWatcher, closed_loop, open_loop
from bench.raw_limits import bare_insert, bare_producer
from bench.stats import percentile

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
        await closed_loop(intake_url, requests=50, concurrency=args.concurrency)
        throughput, codes = await closed_loop(
            intake_url, requests=args.requests, concurrency=args.concurrency
        )
        _say("[bench] waiting for that backlog to be routed before measuring latency")
        await watcher.wait_for(codes, within=600)
        backlog_routed = sum(code in watcher.routed_at for code in codes)
        _say(f"[bench] open loop: {args.rate}/s for {args.seconds}s, submit-to-routed latency")
        latencies = await open_loop(intake_url, watcher, rate=args.rate, seconds=args.seconds)
        await watcher.stop()
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
        "offered_rate_per_s": args.rate,
        "offered_requests": offered,
        "routed_within_60s": len(latencies),
        "p50_submit_to_routed_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_submit_to_routed_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }


def _table(result: dict[str, object]) -> str:
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
    ]
    return "\n".join(
        ["| measure | result |", "| --- | --- |", *(f"| {a} | {b} |" for a, b in rows)]
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="nigrani-bench-") as tmp:
        run_dir = Path(tmp)
        kafka, mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URI")
        own_stack = not (kafka and mongo)
        if own_stack:
            endpoints = await start_stack(run_dir / "infra", log=_say)
        else:
            endpoints = InfraEndpoints(kafka_bootstrap_servers=kafka or "", mongodb_uri=mongo or "")
        try:
            result = await _run(args, endpoints, run_dir)
        finally:
            if own_stack:
                await stop_stack(run_dir / "infra", log=_say)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
    _say(_table(result))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=20.0, help="offered load, requests/s")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--raw-messages", type=int, default=20000)
    parser.add_argument("--raw-inserts", type=int, default=2000)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(_arguments()))
