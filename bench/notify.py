"""`python -m bench --only notify`: the notify service's deliveries, figures for the README.

Intake and notify run as real processes on the local stack (notify through
`bench.notify_process`, which is `python -m nigrani_notify` with a counter of the store
commands it sends); the SMTP server and the SMS gateway run in this process and note when
they accept each message (notify_gateways.py). Every request is submitted through intake
with an e-mail address and a phone, so each owes the citizen a `received` message on both
channels; quiet hours are off, and each channel's pace is raised far above the load so
that the pace limit is not what is measured (a last, short run at the default pace shows
the limiter holding).

1. Latency at a steady rate (`--notify-rate` requests/s for `--notify-seconds`): from the
   `request.submitted` event (its envelope `time`, set by intake on accepting the request,
   and its Kafka record's timestamp, set when intake's relay published it) to the
   gateway's acceptance.
2. Throughput: `--notify-requests` submitted as fast as intake takes them, deliveries
   accepted per second from the first acceptance to the last, per channel and in all.
3. Store round trips per delivery in each of those (notify's own commands, less what
   the idle service reads in the same time), notify's memory and the CPU each process
   used during the throughput run.
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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from nigrani_localinfra.ports import free_ports
from nigrani_localinfra.stack import InfraEndpoints
from nigrani_localinfra.system import SERVICES, start_service, stop_services, wait_ready
from nigrani_notify.config import NotifySettings
from nigrani_notify.messages import Channel

from bench.load import BODY, closed_loop, post_request
from bench.notify_gateways import Acceptances, BenchGateways
from bench.notify_watch import LifecycleWatch, Submitted
from bench.progress import say
from bench.sla_watch import cpu_snapshot, cpu_split, infra_pids, memory_mib
from bench.staff_events import StoreMeter
from bench.stats import percentile

INTAKE = next(s for s in SERVICES if s.name == "intake")
NOTIFY = next(s for s in SERVICES if s.name == "notify")
CHANNELS: tuple[Channel, ...] = ("email", "sms")
CONTACT_BODY = {
    **BODY,
    "contact": {
        "name": "Bench Citizen",
        "phone": "+923001234567",
        "email": "citizen@example.org",
        "language": "en",
    },
}
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
        default=200,
        help="requests for the run at the default pace (0: skip it)",
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
    os.environ.update(
        TOPIC_PREFIX=prefix,
        INTAKE_DATABASE=f"{prefix}_intake",
        NOTIFY_DATABASE=f"{prefix}_notify",
        LOG_LEVEL="WARNING",
        RATE_LIMIT_SUBMIT="1000000",
        RATE_LIMIT_LOOKUP="1000000",
    )
    os.environ[INTAKE.port_variable], os.environ[NOTIFY.port_variable] = map(str, free_ports(2))
    defaults = NotifySettings.model_fields
    result: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "pace_per_s": args.notify_pace,
        "sweep_interval_s": defaults["sweep_interval_seconds"].default,
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
            await _warm_up(watch)
            meter = StoreMeter(endpoints.mongodb_uri, counts=notify_commands)
            await meter.calibrate(4.0)
            result["idle_store_commands_per_s"] = {
                k: round(v, 1) for k, v in meter.idle_per_s.items() if v
            }
            result["latency"] = await _latency(args, gateways, watch, meter)
            pids = {"notify": pid, "intake": _pid(run_dir, "intake"), **infra_pids(run_dir)}
            result["throughput"] = await _throughput(args, gateways, watch, meter, pids)
            result["notify_memory_mib"] = memory_mib(pid)
            result["store_meter"] = meter.details
            if args.notify_paced_requests:
                await stop_services(run_dir, [NOTIFY])
                await _start_notify(run_dir, endpoints, _wiring(run_dir, gateways, token, None))
                result["default_pace"] = await _default_pace(args, gateways, watch)
            result["gateway_repeats"] = {
                "email": gateways.mail.repeats,
                "sms": gateways.sms.repeats,
            }
            result["repeated_announcements"] = watch.repeated_ends
        finally:
            await watch.stop()
            await stop_services(run_dir, [NOTIFY, INTAKE])
    return result


def _pid(run_dir: Path, name: str) -> int:
    return int((run_dir / f"{name}.pid").read_text().strip())


async def _warm_up(watch: LifecycleWatch) -> None:
    """Notify's group starts at the newest offset once it has joined: submissions before
    that are never its business. One a second until the first is delivered, then 20."""
    async with aiohttp.ClientSession(INTAKE.url) as session:
        deadline = time.monotonic() + 90
        while not watch.ended:
            if time.monotonic() > deadline:
                raise RuntimeError("notify delivered nothing within 90 s of its start")
            await post_request(session, CONTACT_BODY)
            await asyncio.sleep(1.0)
    _, codes = await closed_loop(INTAKE.url, requests=20, concurrency=4, body=CONTACT_BODY)
    await _settled(watch, codes, within=60)


async def _keys(watch: LifecycleWatch, codes: list[str], within: float = 60) -> list[Submitted]:
    deadline = time.monotonic() + within
    while not all(code in watch.submitted for code in codes):
        if time.monotonic() > deadline:
            raise RuntimeError("submitted events missing from the lifecycle topic")
        await asyncio.sleep(0.1)
    return [watch.submitted[code] for code in codes]


async def _settled(watch: LifecycleWatch, codes: list[str], within: float) -> int:
    """Waits for every delivery of these requests to be announced; how many were."""
    submitted = await _keys(watch, codes)
    keys = {s.key(channel) for s in submitted for channel in CHANNELS}
    await watch.until(keys, within)
    return len(keys & watch.ended.keys())


def _settle_then_count(
    watch: LifecycleWatch, codes: Callable[[], list[str]], meter: StoreMeter, within: float
) -> Callable[[], Awaitable[int]]:
    async def work() -> int:
        settled = await _settled(watch, codes(), within)
        await meter.settle(10)  # the outbox deletes after the last announcement
        return settled

    return work


async def _paced(rate: float, seconds: float) -> list[str]:
    """One submission every 1/rate seconds, whatever the answers do."""
    async with aiohttp.ClientSession(INTAKE.url) as session:
        begin = time.perf_counter()
        tasks = []
        for n in range(int(rate * seconds)):
            delay = begin + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post_request(session, CONTACT_BODY)))
        return list(await asyncio.gather(*tasks))


async def _latency(
    args: argparse.Namespace, gateways: BenchGateways, watch: LifecycleWatch, meter: StoreMeter
) -> dict[str, Any]:
    offered = int(args.notify_rate * args.notify_seconds)
    say(f"[notify] latency: {args.notify_rate}/s for {args.notify_seconds:.0f} s ({offered})")
    codes: list[str] = []

    async def submit_and_settle() -> int:
        codes.extend(await _paced(args.notify_rate, args.notify_seconds))
        return await _settle_then_count(watch, lambda: codes, meter, 120)()

    per_delivery = await meter.measure(submit_and_settle)
    submitted = await _keys(watch, codes)
    figures: dict[str, Any] = {"rate_per_s": args.notify_rate, "requests": len(codes)}
    for channel, accepted in gateways.accepted().items():
        figures[channel] = _lateness(submitted, channel, accepted)
    relay = [s.published - s.time for s in submitted]
    figures["event_to_kafka_ms"] = _quantiles_ms(relay)
    figures["store_round_trips_per_delivery"] = per_delivery
    figures["settled"] = meter.details[-1]["units"]
    return figures


def _lateness(
    submitted: list[Submitted], channel: Channel, accepted: Acceptances
) -> dict[str, Any]:
    found = [(s, accepted.at[s.key(channel)]) for s in submitted if s.key(channel) in accepted.at]
    return {
        "accepted": len(found),
        "from_event_time_ms": _quantiles_ms([at - s.time for s, at in found]),
        "from_kafka_ms": _quantiles_ms([at - s.published for s, at in found]),
    }


def _quantiles_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 0.50) * 1000, 1),
        "p99": round(percentile(values, 0.99) * 1000, 1),
        "max": round(max(values) * 1000, 1) if values else float("nan"),
    }


def _rates(
    submitted: list[Submitted], gateways: BenchGateways, steady_from: int = 0
) -> dict[str, Any]:
    """Acceptances per second from the first to the last, per channel and in all;
    `steady_from` leaves out that many first acceptances of each channel (a pace's
    initial burst)."""
    times: dict[str, list[float]] = {}
    for channel, accepted in gateways.accepted().items():
        found = sorted(accepted.at[k] for s in submitted if (k := s.key(channel)) in accepted.at)
        times[channel] = found[steady_from:]
    times["total"] = sorted(times["email"] + times["sms"])
    figures: dict[str, Any] = {}
    for name, found in times.items():
        span = found[-1] - found[0] if len(found) > 1 else 0.0
        figures[name] = {
            "accepted": len(found),
            "seconds": round(span, 2),
            "per_s": round((len(found) - 1) / span, 1) if span else None,
        }
    return figures


async def _throughput(
    args: argparse.Namespace,
    gateways: BenchGateways,
    watch: LifecycleWatch,
    meter: StoreMeter,
    pids: dict[str, int],
) -> dict[str, Any]:
    n = args.notify_requests
    say(f"[notify] throughput: {n} submissions, {args.notify_concurrency} clients")
    codes: list[str] = []
    cpu: dict[str, float] = {}
    intake: dict[str, float] = {}

    async def submit_and_settle() -> int:
        before = cpu_snapshot({**pids, "bench": os.getpid()})
        started = time.time()
        rate, done = await closed_loop(
            INTAKE.url, requests=n, concurrency=args.notify_concurrency, body=CONTACT_BODY
        )
        codes.extend(done)
        intake.update(per_s=round(rate.per_second, 1), started=started)
        settled = await _settle_then_count(watch, lambda: codes, meter, 300)()
        cpu.update(cpu_split(before, {**pids, "bench": os.getpid()}))
        return settled

    per_delivery = await meter.measure(submit_and_settle)
    submitted = await _keys(watch, codes)
    rates = _rates(submitted, gateways)
    last = max(gateways.mail.at.get(s.key("email"), 0.0) for s in submitted)
    last = max(last, *(gateways.sms.at.get(s.key("sms"), 0.0) for s in submitted))
    return {
        "requests": len(codes),
        "concurrency": args.notify_concurrency,
        "intake_submissions_per_s": intake["per_s"],
        "deliveries_per_s": rates,
        "first_submission_to_last_acceptance_s": round(last - intake["started"], 2),
        "settled": meter.details[-1]["units"],
        "store_round_trips_per_delivery": per_delivery,
        "cpu_s": cpu,
    }


async def _default_pace(
    args: argparse.Namespace, gateways: BenchGateways, watch: LifecycleWatch
) -> dict[str, Any]:
    n = args.notify_paced_requests
    defaults = NotifySettings.model_fields
    pace = {
        "email": defaults["email_per_second"].default,
        "sms": defaults["sms_per_second"].default,
    }
    say(
        f"[notify] default pace ({pace['email']:g} e-mails/s, {pace['sms']:g} SMS/s): "
        f"{n} submissions"
    )
    _, codes = await closed_loop(
        INTAKE.url, requests=n, concurrency=args.notify_concurrency, body=CONTACT_BODY
    )
    settled = await _settled(watch, codes, within=n / min(pace.values()) + 60)
    submitted = await _keys(watch, codes)
    burst = int(max(pace.values()))  # the bucket starts full: leave its first sends out
    return {
        "requests": n,
        "pace_per_s": pace,
        "settled": settled,
        "all": _rates(submitted, gateways),
        "after_first_bucket": _rates(submitted, gateways, steady_from=burst),
    }
