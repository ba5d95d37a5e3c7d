"""The backlog gauges, read from the board at scrape time.

A custom collector rather than gauges set by event handlers: a per-process gauge moved by
the events one replica happens to consume would differ from replica to replica and be
wrong after a restart. These are derived from the stored clocks (through the board), so
every replica exports the same values: dashboards and alert rules aggregate them with
`max by (department)`, never `sum`. Labels are department codes only (bounded by the
department catalogue, plus "unrouted"); no request code ever becomes a label.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from datetime import datetime

from nigrani_shared.clock import utc_now
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from nigrani_sla.board.projection import BoardProjection
from nigrani_sla.board.summary import DepartmentLine

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

_GAUGES: tuple[tuple[str, str, Callable[[DepartmentLine], float]], ...] = (
    (
        "nigrani_sla_open_requests",
        "Requests whose SLA clock has not stopped (running or paused), by department.",
        lambda line: float(line.open),
    ),
    (
        "nigrani_sla_overdue_requests",
        "Open requests past their resolution due time, by department.",
        lambda line: float(line.overdue),
    ),
    (
        "nigrani_sla_oldest_overdue_age_seconds",
        "Seconds since the most overdue open request was due (0 when none is overdue).",
        lambda line: line.oldest_overdue_seconds,
    ),
    (
        "nigrani_sla_department_last_activity_timestamp_seconds",
        "Unix time of the latest staff action on a request the department holds (0 when"
        " its staff have acted on none of them).",
        lambda line: line.last_staff_action_at.timestamp() if line.last_staff_action_at else 0.0,
    ),
)


class BoardCollector(Collector):
    def __init__(self, board: BoardProjection, clock: Clock = utc_now) -> None:
        self._board = board
        self._clock = clock

    def describe(self) -> Iterator[Metric]:
        """The families without samples, so registering never computes the figures."""
        for name, help_text, _ in _GAUGES:
            yield GaugeMetricFamily(name, help_text, labels=["department"])

    def collect(self) -> Iterator[Metric]:
        lines = self._board.department_lines(self._clock())
        for name, help_text, value in _GAUGES:
            family = GaugeMetricFamily(name, help_text, labels=["department"])
            for line in lines:
                family.add_metric([line.department], value(line))
            yield family


def register_board_gauges(
    stack: AsyncExitStack,
    board: BoardProjection,
    *,
    clock: Clock = utc_now,
    registry: CollectorRegistry = REGISTRY,
) -> BoardCollector:
    """Registers the collector until the stack closes (an app started twice in one
    process, as tests do, would otherwise find the names taken). Two apps alive at once
    in one process (tests of two replicas) share the process's /metrics: the first one's
    board is exported, and every board shows the same stored clocks anyway."""
    collector = BoardCollector(board, clock)
    try:
        registry.register(collector)
    except ValueError:  # prometheus_client's DuplicateTimeseries
        logger.info("another SLA app in this process exports the board gauges")
        return collector
    stack.callback(registry.unregister, collector)
    return collector
