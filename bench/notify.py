"""`python -m bench --only notify`: the notify service's deliveries, figures for the README.

Intake and notify run as real processes on the local stack (notify through
`bench.notify_process`, which is `python -m nigrani_notify` with a counter of the store
commands it sends); the SMTP server and the SMS gateway run in this process and note when
they accept each message (notify_gateways.py). Every request is submitted through intake
with an e-mail address and a phone, so each owes the citizen a `received` message on both
channels; quiet hours are off, and each channel's pace is raised far above the load so
that the pace limit is not what is measured.

1. Latency at a steady rate (`--notify-rate` requests/s for `--notify-seconds`): from the
   `request.submitted` event (its envelope `time`, set by intake on accepting the request,
   and its Kafka record's timestamp, set when intake's relay published it) to the
   gateway's acceptance, and where that time goes (the moments notify wrote: the first
   attempt's timer, its claim, its result).
2. Throughput: `--notify-requests` submitted as fast as intake takes them, deliveries
   accepted per second from the first acceptance to the last, per channel and in all.
3. Store round trips per delivery in each (notify's own commands, less what the idle
   service reads in the same time), notify's memory, the CPU each process used.
4. Notify restarted at its default pace, `--notify-paced-requests` at once: the limiter.
5. The watchdogs: each claimed attempt schedules the next one a lease (120 s) later, in
   case its sender dies; when the delivery has ended it fires and finds nothing to do.
   Their round trips, for the latency run's deliveries, are counted when they fall due.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from nigrani_localinfra.ports import free_ports
from nigrani_localinfra.stack import InfraEndpoints
from nigrani_localinfra.system import SERVICES, start_service, stop_services, wait_ready
from nigrani_notify.config import NotifySettings
from nigrani_notify.deliveries import ATTEMPTS
from nigrani_notify.repository import TIMERS
from nigrani_shared.store.client import create_client

from bench import notify_load as load
from bench.notify_figures import lateness, quantiles_ms, rates, recorded_rate, stages
from bench.notify_gateways import BenchGateways
from bench.notify_watch import LifecycleWatch
from bench.progress import say
from bench.sla_watch import cpu_snapshot, cpu_split, infra_pids, memory_mib
from bench.staff_events import StoreMeter

INTAKE = load.INTAKE
NOTIFY = next(s for s in SERVICES if s.name == "notify")
DEFAULTS = NotifySettings.model_fields
# Quiet hours off: an SMS at night would wait for the morning, not measure notify.
RECIPIENTS = "time_zone: Asia/Karachi\nquiet_hours: null\nstaff: {}\ndepartments: {}\n"
_COMMANDS = re.compile(r'^bench_store_commands_total\{command="(\w+)"\} (\S+)$', re.M)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("notify")
    group.add_argument("--notify-rate", type=float, default=10.0, help="requests/s, latency run")
    group.add_argument("--notify-seconds", type=float, default=30.0, help="latency run length")
    group.add_argument("--notify-requests", type=int, default=500, help="throughput run")
    group.add_argument("--notify-concurrency", type=int, default=16, help="submitting clients")
    group.add_argument(
        "--notify-pace", type=float, default=100_000.0, help="messages/s per channel allowed"
    )
    group.add_argument(
        "--notify-paced-requests",
        type=int,
        default=100,
        help="requests for the run at the default pace (0: skip it)",
    )
    group.add_argument(
        "--notify-watchdogs",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="wait for the latency run's watchdogs (about a minute) and count them",
    )


def _wiring(
    run_dir: Path, gateways: BenchGateways, token: str, pace: float | None
) -> dict[str, str]:
    """Notify's and intake's settings for the run (the environment overrides each)."""
    recipients = run_dir / "notify-recipients.yaml"
    recipients.write_text(RECIPIENTS, encoding="utf-8")
    wiring = {
        "INTERNAL_API_TOKEN": token,
        "INTAKE_INTERNAL_URL": INTAKE.url,
        "NOTIFY_SMTP": json.dumps(gateways.smtp_settings()),
        "NOTIFY_SMS_GATEWAY": json.dumps(gateways.sms_settings()),
        "NOTIFY_RECIPIENTS_PATH": str(recipients),
    }
    if pace is not None:
        wiring |= {"NOTIFY_EMAIL_PER_SECOND": str(pace), "NOTIFY_SMS_PER_SECOND": str(pace)}
    return wiring


async def notify_commands() -> dict[str, int]:
    """The store commands notify has sent so far, from its /metrics."""
    async with aiohttp.ClientSession() as session, session.get(f"{NOTIFY.url}/metrics") as r:
        text = await r.text()
    return {name: int(float(value)) for name, value in _COMMANDS.findall(text)}


async def _start_notify(
    run_dir: Path, endpoints: InfraEndpoints, wiring: dict[str, str]
) -> tuple[int, float]:
    started = time.perf_counter()
    pid = start_service(run_dir, NOTIFY, endpoints, wiring, module="bench.notify_process")
    await wait_ready(run_dir, NOTIFY)
    return pid, round(time.perf_counter() - started, 1)


async def run(args: argparse.Namespace, endpoints: InfraEndpoints, run_dir: Path) -> dict[str, Any]:
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    database = f"{prefix}_notify"
    os.environ.update(
        TOPIC_PREFIX=prefix,
        INTAKE_DATABASE=f"{prefix}_intake",
        NOTIFY_DATABASE=database,
        LOG_LEVEL="WARNING",
        RATE_LIMIT_SUBMIT="1000000",
        RATE_LIMIT_LOOKUP="1000000",
    )
    os.environ[INTAKE.port_variable], os.environ[NOTIFY.port_variable] = map(str, free_ports(2))
    result: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "pace_per_s": args.notify_pace,
        "sweep_interval_s": DEFAULTS["sweep_interval_seconds"].default,
        "attempt_lease_s": DEFAULTS["attempt_lease_seconds"].default,
    }
    async with BenchGateways() as gateways:
        token = secrets.token_urlsafe(32)
        wiring = _wiring(run_dir, gateways, token, args.notify_pace)
        start_service(run_dir, INTAKE, endpoints, wiring)
        watch = LifecycleWatch(endpoints.kafka_bootstrap_servers, f"{prefix}.requests.lifecycle")
        try:
            await wait_ready(run_dir, INTAKE)
            pid, result["notify_ready_s"] = await _start_notify(run_dir, endpoints, wiring)
            await watch.start()
            say("[notify] warm-up: until notify's consumer takes the first submission")
            await load.warm_up(watch)
            meter = StoreMeter(endpoints.mongodb_uri, counts=notify_commands)
            await meter.calibrate(4.0)
            result["idle_store_commands_per_s"] = {
                k: round(v, 1) for k, v in meter.idle_per_s.items() if v
            }
            steady, result["latency"] = await _latency(args, gateways, watch, meter)
            await asyncio.sleep(5)  # the two runs' watchdogs fall due apart
            pids = {"notify": pid, "intake": _pid(run_dir, "intake"), **infra_pids(run_dir)}
            result["throughput"] = await _throughput(args, gateways, watch, meter, pids)
            result["notify_memory_mib"] = memory_mib(pid)
            written = await _written(endpoints.mongodb_uri, database)
            result["latency"]["stages_ms"] = stages(steady, gateways.accepted(), written)
            burst_events = result["throughput"].pop("events")
            result["throughput"]["stages_ms"] = stages(burst_events, gateways.accepted(), written)
            result["throughput"]["consumer_recorded"] = recorded_rate(burst_events, written)
            if args.notify_paced_requests:
                await stop_services(run_dir, [NOTIFY])
                await _start_notify(run_dir, endpoints, _wiring(run_dir, gateways, token, None))
                result["default_pace"] = await _default_pace(args, gateways, watch)
            if args.notify_watchdogs:
                timers = (written.get(f"{e.key(c)}:2@timer") for e in steady for c in load.CHANNELS)
                result["watchdogs"] = await _watchdogs(meter, [t for t in timers if t])
            result["store_meter"] = meter.details
            result["gateway_repeats"] = {k: a.repeats for k, a in gateways.accepted().items()}
            result["repeated_announcements"] = watch.repeated_ends
        finally:
            await watch.stop()
            await stop_services(run_dir, [NOTIFY, INTAKE])
    return result


def _pid(run_dir: Path, name: str) -> int:
    return int((run_dir / f"{name}.pid").read_text().strip())


def _seconds(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


async def _written(uri: str, database: str) -> dict[str, float]:
    """When notify wrote each attempt's claim and result (`<key>:<n>`, `<key>:<n>:result`)
    and when each attempt's timer is due (`<key>:<n>@timer`), read after the runs."""
    client = create_client(uri, app_name="nigrani-bench-notify")
    try:
        db = client[database]
        written = {str(d["_id"]): _seconds(d["at"]) async for d in db[ATTEMPTS].find({})}
        async for timer in db[TIMERS].find({"key": {"$exists": True}}):
            written[f"{timer['key']}@timer"] = _seconds(timer["due_at"])
        return written
    finally:
        await client.close()


async def _measured_settle(
    watch: LifecycleWatch, codes: list[str], meter: StoreMeter, within: float
) -> int:
    settled = await load.settled(watch, codes, within)
    await meter.settle(10)  # the outbox deletes after the last announcement
    return settled


async def _latency(
    args: argparse.Namespace, gateways: BenchGateways, watch: LifecycleWatch, meter: StoreMeter
) -> tuple[list[Any], dict[str, Any]]:
    offered = int(args.notify_rate * args.notify_seconds)
    say(f"[notify] latency: {args.notify_rate}/s for {args.notify_seconds:.0f} s ({offered})")
    codes: list[str] = []

    async def work() -> int:
        codes.extend(await load.paced(args.notify_rate, args.notify_seconds))
        return await _measured_settle(watch, codes, meter, 120)

    per_delivery = await meter.measure(work)
    events = await load.submitted(watch, codes)
    figures: dict[str, Any] = {"rate_per_s": args.notify_rate, "requests": len(codes)}
    for channel, accepted in gateways.accepted().items():
        figures[channel] = lateness(events, channel, accepted)
    figures["event_to_kafka_ms"] = quantiles_ms([e.published - e.time for e in events])
    figures["settled"] = meter.details[-1]["units"]
    figures["store_round_trips_per_delivery"] = per_delivery
    return events, figures


async def _throughput(
    args: argparse.Namespace,
    gateways: BenchGateways,
    watch: LifecycleWatch,
    meter: StoreMeter,
    pids: dict[str, int],
) -> dict[str, Any]:
    n = args.notify_requests
    say(f"[notify] throughput: {n} submissions, {args.notify_concurrency} clients")
    pids = {**pids, "bench": os.getpid()}
    codes: list[str] = []
    cpu: dict[str, float] = {}
    intake: dict[str, float] = {}

    async def work() -> int:
        before = cpu_snapshot(pids)
        intake["started"] = time.time()
        intake["per_s"], done = await load.burst(n, args.notify_concurrency)
        codes.extend(done)
        settled = await _measured_settle(watch, codes, meter, 300)
        cpu.update(cpu_split(before, pids))
        return settled

    per_delivery = await meter.measure(work)
    events = await load.submitted(watch, codes)
    accepted = gateways.accepted()
    last = max(a.at.get(e.key(c), 0.0) for c, a in accepted.items() for e in events)
    return {
        "requests": len(codes),
        "concurrency": args.notify_concurrency,
        "intake_submissions_per_s": round(intake["per_s"], 1),
        "deliveries_per_s": rates(events, accepted),
        "first_submission_to_last_acceptance_s": round(last - intake["started"], 2),
        "settled": meter.details[-1]["units"],
        "store_round_trips_per_delivery": per_delivery,
        "cpu_s": cpu,
        "events": events,  # for the stages, once notify's writes are read
    }


async def _default_pace(
    args: argparse.Namespace, gateways: BenchGateways, watch: LifecycleWatch
) -> dict[str, Any]:
    n = args.notify_paced_requests
    pace = {
        "email": DEFAULTS["email_per_second"].default,
        "sms": DEFAULTS["sms_per_second"].default,
    }
    say(f"[notify] default pace ({pace['email']:g} e-mails/s, {pace['sms']:g} SMS/s): {n} at once")
    _, codes = await load.burst(n, args.notify_concurrency)
    settled = await load.settled(watch, codes, within=n / min(pace.values()) + 60)
    events = await load.submitted(watch, codes)
    return {
        "requests": n,
        "pace_per_s": pace,
        "settled": settled,
        "all": rates(events, gateways.accepted()),
        # The bucket starts full and refills while its first sends go: the second half of
        # each channel's sends shows the pace alone.
        "second_half": rates(events, gateways.accepted(), steady_from=n // 2),
    }


async def _watchdogs(meter: StoreMeter, dues: list[float]) -> dict[str, Any]:
    """Counts the round trips from just before the first of these watchdogs falls due to
    just after the last (with nothing else running), per watchdog."""
    if not dues:
        return {"skipped": "no watchdog found"}
    wait = min(dues) - 1.0 - time.time()
    say(f"[notify] waiting {max(wait, 0):.0f} s for the latency run's {len(dues)} watchdogs")
    if wait < 0:
        return {"skipped": "the runs before took longer than the lease"}
    await asyncio.sleep(wait)

    async def work() -> int:
        await asyncio.sleep(max(dues) + 2.0 - time.time())
        return len(dues)

    return {"count": len(dues), "store_round_trips_per_watchdog": await meter.measure(work)}
