"""Notify's counters and histograms. A delivery's end is counted once across replicas (by
the writer whose outcome was recorded); attempts and waits by the replica that made them.
Labels are channels, audiences, outcomes and short reason codes: never an address."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 86400)

PLANNED = Counter(
    "nigrani_notify_deliveries_planned_total",
    "Deliveries recorded for sending, by channel and audience.",
    ["channel", "audience"],
)
SETTLED = Counter(
    "nigrani_notify_deliveries_total",
    "Deliveries that ended: sent, failed (announced) or skipped (nobody to send to).",
    ["channel", "outcome", "reason"],
)
ATTEMPTS = Counter(
    "nigrani_notify_attempts_total",
    "Gateway attempts by how they ended (sent, transient, permanent).",
    ["channel", "result"],
)
STALE_EVENTS = Counter(
    "nigrani_notify_stale_events_total",
    "Events older than the horizon: nobody was told about them.",
    ["event_type"],
)
SEND_SECONDS = Histogram(
    "nigrani_notify_send_seconds",
    "One gateway call, from connect to its answer.",
    ["channel"],
    buckets=LATENCY_BUCKETS,
)
EVENT_TO_GATEWAY_SECONDS = Histogram(
    "nigrani_notify_event_to_gateway_seconds",
    "From the event that caused a message to the gateway accepting it (retries and quiet "
    "hours included).",
    ["channel"],
    buckets=LATENCY_BUCKETS,
)
SMS_SEGMENTS = Counter("nigrani_notify_sms_segments_total", "SMS segments handed to the gateway.")
SWEEP_BEHIND = Gauge(
    "nigrani_notify_sweep_behind_seconds",
    "How far a channel's sweep has closed behind now: a dead or slow gateway shows here.",
    ["channel"],
)
