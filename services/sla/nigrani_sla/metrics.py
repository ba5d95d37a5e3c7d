"""The SLA service's counters and histograms. Counted once per event across replicas: a
firing by the replica whose claim won, a duration by the consumer that applied the event.
The backlog gauges (open, overdue, oldest overdue) are derived from the stored clocks by
the board (board/gauges.py), so every replica reports the same values."""

from __future__ import annotations

from nigrani_shared.events import SlaBreached, SlaEscalated, SlaWarning
from prometheus_client import Counter, Gauge, Histogram

# Business-time durations run from minutes to weeks; wall durations likewise.
DURATION_BUCKETS = (
    60, 300, 900, 1800, 3600, 4 * 3600, 8 * 3600, 86400, 2 * 86400, 3 * 86400,
    7 * 86400, 14 * 86400, 21 * 86400, 30 * 86400, 40 * 86400, 60 * 86400,
)  # fmt: skip
LATENESS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 300, 3600)
_DURATION_LABELS = ["department", "category", "clock"]

TIME_TO_ROUTE = Histogram(
    "nigrani_sla_time_to_route_seconds",
    "From submission to routing, in business or wall seconds.",
    _DURATION_LABELS,
    buckets=DURATION_BUCKETS,
)
TIME_TO_FIRST_RESPONSE = Histogram(
    "nigrani_sla_time_to_first_response_seconds",
    "From submission to the first staff response, in business or wall seconds.",
    _DURATION_LABELS,
    buckets=DURATION_BUCKETS,
)
TIME_TO_RESOLVE = Histogram(
    "nigrani_sla_time_to_resolve_seconds",
    "From submission to the first resolution or rejection, in business or wall seconds.",
    _DURATION_LABELS,
    buckets=DURATION_BUCKETS,
)
WARNINGS = Counter(
    "nigrani_sla_warnings_total",
    "SLA warnings fired (a share of a target passed).",
    ["department", "category", "target"],
)
BREACHES = Counter(
    "nigrani_sla_breaches_total", "SLA targets missed.", ["department", "category", "target"]
)
ESCALATIONS = Counter(
    "nigrani_sla_escalations_total",
    "Escalations fired, by ladder level.",
    ["department", "category", "level"],
)
FIRING_LATENESS = Histogram(
    "nigrani_sla_firing_lateness_seconds",
    "Seconds between a timer's due time and the publication of what it fired.",
    buckets=LATENESS_BUCKETS,
)
SWEEP_BEHIND = Gauge(
    "nigrani_sla_sweep_behind_seconds",
    "How far behind now this replica's sweep has closed the timer wheel: grows when a "
    "timer keeps failing or the consumer's progress holds the sweep back.",
)
STALE_TIMERS = Counter(
    "nigrani_sla_stale_timers_total",
    "Timers that fell due after their reason passed (paused, stopped, moved): not fired.",
)
REFIRED_TIMERS = Counter(
    "nigrani_sla_refired_timers_total",
    "Timers whose event was already published (another replica, or a repeated sweep).",
)


def count_published(data: object) -> None:
    """Counts a fired event when it is published (by its claimant or by the relay)."""
    if isinstance(data, SlaWarning | SlaBreached):
        counter = WARNINGS if isinstance(data, SlaWarning) else BREACHES
        counter.labels(data.department_code or "unrouted", data.category, data.target).inc()
    elif isinstance(data, SlaEscalated):
        ESCALATIONS.labels(data.department_code or "unrouted", data.category, str(data.level)).inc()
