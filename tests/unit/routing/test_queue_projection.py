"""The in-memory staff queue: only open cases of the department, newest version wins,
filters, both sort orders, and cursors that walk every item once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from nigrani_routing.cases.model import Case, DepartmentRef, Priority, State
from nigrani_routing.queue.projection import BadCursorError, QueueFilter, QueueProjection

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
WASA = DepartmentRef("WASA-LHR", "WASA Lahore")
KWSC = DepartmentRef("KWSC-KHI", "KWSC Karachi")


def case(n: int, **changes: object) -> Case:
    base = Case(
        request_id=f"CASE-{n:04d}",
        version=1,
        state=State.ROUTED,
        department=WASA,
        category="water.no_supply",
        priority=Priority.NORMAL,
        assignee=None,
        transfers=0,
        reopened=0,
        submitted_at=START,
        routed_at=START + timedelta(minutes=n),
        updated_at=START,
        areas=("pk-pb-lahore",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def ids(cases: list[Case]) -> list[str]:
    return [c.request_id for c in cases]


def test_only_open_cases_of_the_department_are_queued() -> None:
    queue = QueueProjection()
    queue.load(
        [
            case(1),
            case(2, state=State.RESOLVED),
            case(3, department=KWSC),
            case(4, state=State.AWAITING_CITIZEN),
        ]
    )
    assert ids(queue.page("WASA-LHR", QueueFilter()).items) == ["CASE-0001", "CASE-0004"]


def test_a_newer_version_replaces_and_an_older_one_is_ignored() -> None:
    queue = QueueProjection()
    queue.apply(case(1, version=3, state=State.CLOSED))
    queue.apply(case(1, version=2, state=State.IN_PROGRESS))  # late, older: ignored
    assert queue.page("WASA-LHR", QueueFilter()).items == []
    queue.apply(case(1, version=4, state=State.ASSIGNED))  # reopened
    assert ids(queue.page("WASA-LHR", QueueFilter()).items) == ["CASE-0001"]


def test_a_transfer_moves_the_case_to_the_other_queue() -> None:
    queue = QueueProjection()
    queue.apply(case(1))
    queue.apply(case(1, version=2, department=KWSC))
    assert queue.page("WASA-LHR", QueueFilter()).items == []
    assert ids(queue.page("KWSC-KHI", QueueFilter()).items) == ["CASE-0001"]


def test_filters_and_priority_order() -> None:
    queue = QueueProjection()
    queue.load(
        [
            case(1, priority=Priority.LOW),
            case(2, priority=Priority.URGENT, assignee="officer-1", state=State.ASSIGNED),
            case(3, priority=Priority.HIGH, category="water.main_break"),
            case(4, areas=("pk-pb-lahore-model-town", "pk-pb-lahore")),
        ]
    )
    by_priority = queue.page("WASA-LHR", QueueFilter(), sort="priority").items
    assert ids(by_priority) == ["CASE-0002", "CASE-0003", "CASE-0004", "CASE-0001"]
    assert ids(queue.page("WASA-LHR", QueueFilter(assignee="officer-1")).items) == ["CASE-0002"]
    assert len(queue.page("WASA-LHR", QueueFilter(unassigned=True)).items) == 3
    assert ids(queue.page("WASA-LHR", QueueFilter(state=State.ASSIGNED)).items) == ["CASE-0002"]
    assert ids(queue.page("WASA-LHR", QueueFilter(category="water.main_break")).items) == [
        "CASE-0003"
    ]
    model_town = QueueFilter(area="pk-pb-lahore-model-town")
    assert ids(queue.page("WASA-LHR", model_town).items) == ["CASE-0004"]


@pytest.mark.parametrize("sort", ["age", "priority"])
def test_cursors_walk_every_item_once_in_order(sort: str) -> None:
    queue = QueueProjection()
    queue.load(case(n, priority=list(Priority)[n % 4]) for n in range(1, 24))
    seen: list[str] = []
    cursor = None
    while True:
        page = queue.page("WASA-LHR", QueueFilter(), sort=sort, cursor=cursor, limit=5)  # type: ignore[arg-type]
        seen += ids(page.items)
        assert page.total == 23
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    everything = queue.page("WASA-LHR", QueueFilter(), sort=sort, limit=100)  # type: ignore[arg-type]
    assert seen == ids(everything.items)
    assert len(set(seen)) == 23


def test_a_foreign_or_garbled_cursor_is_refused() -> None:
    queue = QueueProjection()
    queue.load(case(n) for n in range(1, 4))
    cursor = queue.page("WASA-LHR", QueueFilter(), limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(BadCursorError):
        queue.page("WASA-LHR", QueueFilter(), sort="priority", cursor=cursor)
    with pytest.raises(BadCursorError):
        queue.page("WASA-LHR", QueueFilter(), cursor="not-a-cursor")
