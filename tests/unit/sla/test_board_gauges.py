"""The backlog gauges as Prometheus scrapes them: values from the board at scrape time,
one series per department and gauge, labelled by department only."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta

from nigrani_sla.board.gauges import register_board_gauges
from nigrani_sla.board.projection import BoardProjection
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.sla_clocks import NOW, clock, stopped

HOUR = timedelta(hours=1)
NAMES = {
    "nigrani_sla_open_requests",
    "nigrani_sla_overdue_requests",
    "nigrani_sla_oldest_overdue_age_seconds",
    "nigrani_sla_department_last_activity_timestamp_seconds",
}


def _scrape(registry: CollectorRegistry) -> dict[tuple[str, str], float]:
    text = generate_latest(registry).decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            assert set(sample.labels) == {"department"}
            samples[(sample.name, sample.labels["department"])] = sample.value
    return samples


async def test_the_gauges_export_each_departments_backlog_at_scrape_time() -> None:
    board = BoardProjection()
    now = [NOW]
    registry = CollectorRegistry()
    async with AsyncExitStack() as stack:
        register_board_gauges(stack, board, clock=lambda: now[0], registry=registry)
        assert _scrape(registry) == {}  # no department yet: no series
        board.apply(clock("A1", resolution_due_at=NOW - 2 * HOUR, last_staff_action_at=NOW))
        board.apply(clock("A2", resolution_due_at=NOW + HOUR))
        board.apply(stopped("A3", NOW - HOUR))
        board.apply(clock("U1", department_code=None))
        samples = _scrape(registry)
        assert {name for name, _ in samples} == NAMES
        assert samples[("nigrani_sla_open_requests", "WASA-LHR")] == 2
        assert samples[("nigrani_sla_overdue_requests", "WASA-LHR")] == 1
        assert samples[("nigrani_sla_oldest_overdue_age_seconds", "WASA-LHR")] == 7200
        activity = "nigrani_sla_department_last_activity_timestamp_seconds"
        assert samples[(activity, "WASA-LHR")] == NOW.timestamp()
        assert samples[("nigrani_sla_open_requests", "unrouted")] == 1
        assert samples[("nigrani_sla_overdue_requests", "unrouted")] == 0
        assert samples[("nigrani_sla_oldest_overdue_age_seconds", "unrouted")] == 0
        assert samples[(activity, "unrouted")] == 0  # never acted on

        now[0] = NOW + 2 * HOUR  # later scrapes see the time move, no event needed
        later = _scrape(registry)
        assert later[("nigrani_sla_overdue_requests", "WASA-LHR")] == 2
        assert later[("nigrani_sla_oldest_overdue_age_seconds", "WASA-LHR")] == 4 * 3600
    assert _scrape(registry) == {}  # unregistered when the stack closed


async def test_registering_computes_nothing_and_can_happen_again_after_a_stop() -> None:
    class Exploding(BoardProjection):
        def department_lines(self, now: object) -> list:  # type: ignore[override, type-arg]
            raise AssertionError("collected at registration")

    registry = CollectorRegistry(auto_describe=True)
    for _ in range(2):  # a second app in the same process, as tests start them
        async with AsyncExitStack() as stack:
            register_board_gauges(stack, Exploding(), registry=registry)
