"""The notify bench's Markdown table for the README."""

from __future__ import annotations

from typing import Any


def _ms(q: dict[str, float]) -> str:
    return f"p50 {q['p50']:.0f} ms, p99 {q['p99']:.0f} ms, max {q['max']:.0f} ms"


def _round_trips(ops: dict[str, float]) -> str:
    parts = ", ".join(f"{name} {n}" for name, n in ops.items() if name != "total")
    return f"{ops['total']} ({parts})"


def _rate(r: dict[str, Any]) -> str:
    return f"{r['per_s']} /s ({r['accepted']:,} in {r['seconds']:.1f} s)"


STAGES = (
    ("kafka_to_recorded", "consumer: Kafka record to the delivery recorded"),
    ("recorded_to_claimed", "sweep: recorded to the attempt claimed"),
    ("claimed_to_accepted", "send: claimed to the gateway's acceptance"),
)


def _latency_rows(r: dict[str, Any]) -> list[tuple[str, str]]:
    lat = r["latency"]
    at = f"{lat['rate_per_s']:g} req/s"
    rows = []
    for channel, name in (("email", "e-mail"), ("sms", "SMS")):
        c = lat[channel]
        rows += [
            (f"**{name}: event `time` to gateway acceptance, {at}**", _ms(c["from_event_time_ms"])),
            (
                f"{name}: Kafka record to gateway acceptance",
                f"{_ms(c['from_kafka_ms'])}; p50 in the run's first half "
                f"{c['from_kafka_ms_by_half'][0]['p50']:.0f} ms, second half "
                f"{c['from_kafka_ms_by_half'][1]['p50']:.0f} ms",
            ),
        ]
        stages = lat.get("stages_ms", {}).get(channel, {})
        rows += [(f"&nbsp;&nbsp;{name} {label}", _ms(stages[k])) for k, label in STAGES]
    rows.append(("intake's relay: event `time` to its Kafka record", _ms(lat["event_to_kafka_ms"])))
    return rows


def _stage_rows(part: dict[str, Any], where: str) -> list[tuple[str, str]]:
    """One row per channel: each stage's p50 and p99."""
    rows = []
    for channel, name in (("email", "e-mail"), ("sms", "SMS")):
        stages = part["stages_ms"][channel]
        figures = "; ".join(
            f"{label.split(':')[0]} p50 {stages[k]['p50']:.0f} ms, p99 {stages[k]['p99']:.0f} ms"
            for k, label in STAGES
        )
        rows.append((f"&nbsp;&nbsp;{name}, {where}: where the time goes", figures))
    return rows


def _paced_rows(r: dict[str, Any]) -> list[tuple[str, str]]:
    paced = r.get("default_pace")
    if not paced:
        return []
    pace, steady = paced["pace_per_s"], paced["second_half"]
    return [
        (
            f"at the default pace ({pace['email']:g} e-mails/s, {pace['sms']:g} SMS/s), "
            f"{paced['requests']} submitted at once: the second half of each channel's sends",
            f"e-mail {steady['email']['per_s']} /s, SMS {steady['sms']['per_s']} /s; "
            f"{paced['settled']} of {2 * paced['requests']} settled",
        )
    ]


def _watchdog_rows(r: dict[str, Any]) -> list[tuple[str, str]]:
    dogs = r.get("watchdogs")
    if not dogs or "count" not in dogs:
        return []
    return [
        (
            f"each attempt's watchdog, {r['attempt_lease_s']:.0f} s later (the delivery has "
            f"ended: nothing to do), {dogs['count']} of them",
            f"{_round_trips(dogs['store_round_trips_per_watchdog'])} round trips each",
        )
    ]


def table(r: dict[str, Any]) -> str:
    lat, tp = r["latency"], r["throughput"]
    rates = tp["deliveries_per_s"]
    memory = r["notify_memory_mib"]
    rows = [
        ("notify start-up to ready", f"{r['notify_ready_s']} s"),
        *_latency_rows(r),
        (
            f"deliveries at {lat['rate_per_s']:g} req/s",
            f"{lat['email']['accepted']} e-mails, {lat['sms']['accepted']} SMS of "
            f"{lat['requests']} requests; {lat['settled']} announced",
        ),
        (
            f"throughput: {tp['requests']} requests through intake ({tp['concurrency']} "
            f"clients, {tp['intake_submissions_per_s']} req/s), deliveries accepted",
            f"**{_rate(rates['total'])}**: e-mail {_rate(rates['email'])}, "
            f"SMS {_rate(rates['sms'])}",
        ),
        (
            "notify's consumer in that run: `request.submitted` events recorded",
            f"{tp['consumer_recorded']['per_s']} /s ({tp['consumer_recorded']['events']} in "
            f"{tp['consumer_recorded']['seconds']:.1f} s)",
        ),
        *_stage_rows(tp, "throughput run"),
        (
            "first submission to last acceptance",
            f"{tp['first_submission_to_last_acceptance_s']} s; {tp['settled']} announced",
        ),
        (
            "notify's store round trips per delivery (its own client, net of idle), steady",
            _round_trips(lat["store_round_trips_per_delivery"]),
        ),
        (
            "same, throughput run",
            _round_trips(tp["store_round_trips_per_delivery"]),
        ),
        (
            "notify idle: store commands a second (sweeps, relay)",
            ", ".join(f"{k} {v}" for k, v in r["idle_store_commands_per_s"].items()),
        ),
        (
            "CPU seconds during the throughput run",
            ", ".join(f"{name} {cpu}" for name, cpu in tp["cpu_s"].items()),
        ),
        (
            "notify RSS after the throughput run",
            f"{memory['VmRSS']:.0f} MiB; peak (VmHWM) {memory['VmHWM']:.0f} MiB",
        ),
        *_paced_rows(r),
        *_watchdog_rows(r),
        (
            "repeats: at the gateways / announcements",
            f"{r['gateway_repeats']['email']} e-mail, {r['gateway_repeats']['sms']} SMS / "
            f"{r['repeated_announcements']}",
        ),
    ]
    return "\n".join(
        ["| measure | result |", "| --- | --- |", *(f"| {a} | {b} |" for a, b in rows)]
    )
