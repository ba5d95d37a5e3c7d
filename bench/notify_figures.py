"""The notify bench's figures from what it collected: gateway acceptances, the events read
back from Kafka, and the moments notify wrote into its store (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nigrani_notify.messages import Channel

from bench.notify_gateways import Acceptances
from bench.notify_watch import Submitted
from bench.stats import percentile


def quantiles_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 0.50) * 1000, 1),
        "p99": round(percentile(values, 0.99) * 1000, 1),
        "max": round(max(values) * 1000, 1) if values else float("nan"),
    }


def lateness(events: list[Submitted], channel: Channel, accepted: Acceptances) -> dict[str, Any]:
    """From the event (its `time`, and its Kafka record) to the gateway's acceptance."""
    found = [(e, accepted.at[e.key(channel)]) for e in events if e.key(channel) in accepted.at]
    found.sort(key=lambda pair: pair[0].published)
    half = len(found) // 2
    return {
        "accepted": len(found),
        "from_event_time_ms": quantiles_ms([at - e.time for e, at in found]),
        "from_kafka_ms": quantiles_ms([at - e.published for e, at in found]),
        # Equal halves mean a steady state; a second half much later, a queue that grows.
        "from_kafka_ms_by_half": [
            quantiles_ms([at - e.published for e, at in part])
            for part in (found[:half], found[half:])
        ],
    }


def rates(
    events: list[Submitted], accepted: Mapping[Channel, Acceptances], steady_from: int = 0
) -> dict[str, Any]:
    """Acceptances per second from the first to the last, per channel and in all;
    `steady_from` leaves out that many first acceptances of each channel (a pace's
    initial burst)."""
    times: dict[str, list[float]] = {}
    for channel, acceptances in accepted.items():
        found = sorted(acceptances.at[k] for e in events if (k := e.key(channel)) in acceptances.at)
        times[channel] = found[steady_from:]
    times["total"] = sorted(t for found in times.values() for t in found)
    figures: dict[str, Any] = {}
    for name, found in times.items():
        span = found[-1] - found[0] if len(found) > 1 else 0.0
        figures[name] = {
            "accepted": len(found),
            "seconds": round(span, 2),
            "per_s": round((len(found) - 1) / span, 1) if span else None,
        }
    return figures


def stages(
    events: list[Submitted],
    accepted: Mapping[Channel, Acceptances],
    written: Mapping[str, float],
) -> dict[str, Any]:
    """Where a delivery's time goes, per channel, from the moments notify wrote:
    `written[<key>:1@timer]` the first attempt's timer (due at once: when the consumer
    recorded the delivery), `written[<key>:1]` the attempt's claim (the sweep took it),
    `written[<key>:1:result]` its result (after the gateway answered)."""
    figures: dict[str, Any] = {}
    for channel, acceptances in accepted.items():
        steps: dict[str, list[float]] = {
            "kafka_to_recorded": [],
            "recorded_to_claimed": [],
            "claimed_to_accepted": [],
            "accepted_to_result": [],
        }
        for event in events:
            key = event.key(channel)
            recorded = written.get(f"{key}:1@timer")
            claimed = written.get(f"{key}:1")
            result = written.get(f"{key}:1:result")
            at = acceptances.at.get(key)
            if recorded is None or claimed is None or result is None or at is None:
                continue
            steps["kafka_to_recorded"].append(recorded - event.published)
            steps["recorded_to_claimed"].append(claimed - recorded)
            steps["claimed_to_accepted"].append(at - claimed)
            steps["accepted_to_result"].append(result - at)
        figures[channel] = {step: quantiles_ms(values) for step, values in steps.items()}
    return figures


def recorded_rate(events: list[Submitted], written: Mapping[str, float]) -> dict[str, Any]:
    """Events the consumer recorded per second (the e-mail's first attempt timer, written
    with the SMS's in one handling of the event), from the first to the last."""
    found = sorted(t for e in events if (t := written.get(f"{e.key('email')}:1@timer")))
    span = found[-1] - found[0] if len(found) > 1 else 0.0
    per_s = round((len(found) - 1) / span, 1) if span else None
    return {"events": len(found), "seconds": round(span, 2), "per_s": per_s}
