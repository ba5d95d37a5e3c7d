"""Consumer metrics, defined once so every service exposes the same names."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_HANDLED = Counter(
    "nigrani_events_handled_total",
    "Events taken off Kafka by a consumer group, by type and outcome.",
    ["group", "event_type", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "nigrani_event_handler_seconds",
    "Time a handler took to apply one event, retries included.",
    ["group", "event_type"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CONSUMER_LAG = Gauge(
    "nigrani_consumer_lag_messages",
    "Messages between a group's position and the partition's high watermark.",
    ["group", "topic", "partition"],
)
DEAD_LETTERS = Counter(
    "nigrani_dead_letters_total",
    "Messages a consumer group gave up on and copied to its dead-letter topic.",
    ["group", "topic", "reason"],
)
