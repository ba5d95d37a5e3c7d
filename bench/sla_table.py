"""The SLA bench's Markdown table for the README."""

from __future__ import annotations

from typing import Any


def _q(figures: dict[str, float]) -> str:
    return f"p50 {figures['p50']:.2f} s, p99 {figures['p99']:.2f} s, max {figures['max']:.2f} s"


def _memory(memory: dict[str, dict[str, float]]) -> str:
    rss = " / ".join(
        f"{memory[k]['VmRSS']:.0f}" for k in ("ready", "idle_before_due", "after_drain")
    )
    return f"{rss} MiB; peak (VmHWM) {memory['after_drain']['VmHWM']:.0f} MiB"


def _round_trips(ops: dict[str, float]) -> str:
    parts = ", ".join(f"{name} {n}" for name, n in ops.items() if name != "total")
    return f"{ops['total']} ({parts})"


def _events(keeper: dict[str, Any]) -> str:
    return ", ".join(f"{name} {e['round_trips']}" for name, e in keeper["per_event"].items())


def table(r: dict[str, Any]) -> str:
    far, burst = r["far_timers_written"], r["burst"]
    keeper = r["keeper"]
    rows = [
        (
            "open timers in the store",
            f"{r['open_timers']:,}: {far['count']:,} due in 1 to 22 days, {burst:,} due in "
            "one second T",
        ),
        (
            f"timers written, `schedule_many` of {r['timer_batch']:,}, "
            f"{r['timer_writers']} calls in flight",
            f"{far['per_s']:,} timers/s ({far['count']:,} in {far['seconds']:.0f} s)",
        ),
        (
            "timers written through the clock keeper (5 to 7 a call)",
            f"{keeper['timers_per_s_through_keeper']:,.0f} timers/s",
        ),
        (
            f"burst: {burst:,} clocks (`save_clock`, 16 in flight), then their breaches",
            f"{r['burst_clocks_written']['per_s']:,} clocks/s, "
            f"{r['burst_timers_written']['per_s']:,} timers/s",
        ),
        ("SLA service start-up to ready", f"{r['service_ready_s']} s"),
        (
            f"ordinary load: {r['steady']['timers']} timers due one by one, lateness "
            "(Kafka timestamp - due)",
            _q(r["steady"]["lateness_published_s"])
            + f"; {r['steady']['fired']} fired, {r['steady']['repeated_deliveries']} twice",
        ),
        ("firing lateness, `fired_at` - T", _q(r["lateness_fired_at_s"])),
        ("firing lateness, Kafka timestamp - T", _q(r["lateness_published_s"])),
        (
            f"time to drain (T to the last of {burst:,} published)",
            f"{r['drain_s']:.1f} s (first at {r['first_published_s']:.2f} s; "
            f"{r['firings_per_s']} firings/s)",
        ),
        (
            "breaches published",
            f"{r['fired']:,} of {r['wanted']:,}, {r['repeated_deliveries']} repeated",
        ),
        (
            "store round trips per firing (FerretDB `serverStatus`, net of idle)",
            _round_trips(r["store_round_trips_per_firing"]),
        ),
        (
            f"CPU seconds used from T to the drained ({r['drain_s']:.0f} s wall, 2 cores)",
            ", ".join(f"{name} {cpu}" for name, cpu in r["cpu_s_during_drain"].items()),
        ),
        (
            "SLA service RSS: ready / idle before T / after the drain",
            _memory(r["service_memory_mib"]),
        ),
        (
            f"store round trips per lifecycle event (keeper in process, {keeper['lifecycles']} "
            "lifecycles)",
            f"{keeper['round_trips_per_event']} on average: {_events(keeper)}",
        ),
    ]
    return "\n".join(
        ["| measure | result |", "| --- | --- |", *(f"| {a} | {b} |" for a, b in rows)]
    )
