"""The staff queue's SLA side: overdue cases, the due-time sort, the newest deadline
generation winning, breaches that stay breached, and the escalated-to-me filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nigrani_routing.cases.model import Case
from nigrani_routing.queue.projection import QueueFilter, QueueProjection
from nigrani_shared.events import DeadlineSet, SlaBreached

from tests.unit.routing.test_queue_projection import START, case, ids

NOW = START + timedelta(days=3)


def deadline(
    n: int,
    due_in: timedelta | None,
    *,
    generation: int = 1,
    paused: bool = False,
    stopped: bool = False,
) -> DeadlineSet:
    return DeadlineSet(
        request_id=f"CASE-{n:04d}",
        generation=generation,
        cause="test",
        policy_id="water-normal",
        category="water.no_supply",
        priority="normal",
        department_code="WASA-LHR",
        calendar="Asia/Karachi",
        first_response_due_at=None,
        resolution_due_at=None if due_in is None else NOW + due_in,
        elapsed_business_seconds=0.0,
        paused=paused,
        stopped=stopped,
        set_at=START,
    )


def breach(n: int, target: str = "resolution") -> SlaBreached:
    return SlaBreached(
        request_id=f"CASE-{n:04d}",
        target=target,  # type: ignore[arg-type]
        due_at=NOW - timedelta(hours=1),
        department_code="WASA-LHR",
        category="water.no_supply",
        priority="normal",
        fired_at=NOW - timedelta(hours=1),
    )


def queue_of(cases: list[Case]) -> QueueProjection:
    queue = QueueProjection()
    queue.load(cases)
    return queue


def overdue(queue: QueueProjection) -> list[str]:
    return ids(queue.page("WASA-LHR", QueueFilter(overdue=True), now=NOW).items)


def test_only_cases_past_their_resolution_due_time_are_overdue() -> None:
    queue = queue_of([case(n) for n in range(1, 7)])
    queue.due.load(
        [
            deadline(1, -timedelta(hours=2)),  # past
            deadline(2, timedelta(hours=2)),  # still in time
            deadline(3, None, paused=True),  # awaiting the citizen, never breached
            deadline(4, None, stopped=True),  # clock stopped
            deadline(5, timedelta(0)),  # due this very moment
        ]
    )  # 6: never timed
    assert overdue(queue) == ["CASE-0001", "CASE-0005"]


def test_a_newer_generation_wins_and_an_older_one_never_turns_it_back() -> None:
    queue = queue_of([case(1)])
    queue.due.learn_deadline(deadline(1, -timedelta(hours=1), generation=2))
    queue.due.learn_deadline(deadline(1, timedelta(hours=5), generation=1))  # late, older
    assert overdue(queue) == ["CASE-0001"]
    queue.due.learn_deadline(deadline(1, timedelta(hours=5), generation=3))  # moved later
    assert overdue(queue) == []


def test_a_breach_stays_a_breach_through_a_pause_but_not_once_stopped() -> None:
    queue = queue_of([case(1), case(2)])
    queue.due.learn_breach(breach(1))  # arrives before any deadline: it says the due time
    queue.due.learn_breach(breach(2, target="first_response"))
    assert overdue(queue) == ["CASE-0001"]
    queue.due.learn_deadline(deadline(1, None, generation=4, paused=True))
    assert overdue(queue) == ["CASE-0001"]
    queue.due.learn_deadline(deadline(1, None, generation=5, stopped=True))
    assert overdue(queue) == []


def test_the_due_sort_puts_the_soonest_first_and_untimed_cases_last_by_age() -> None:
    queue = queue_of([case(n) for n in range(1, 6)])
    queue.due.load(
        [
            deadline(4, timedelta(hours=1)),
            deadline(2, -timedelta(hours=3)),
            deadline(5, timedelta(hours=9)),
            deadline(1, None, paused=True),
        ]
    )
    page = queue.page("WASA-LHR", QueueFilter(), sort="due", now=NOW)
    assert ids(page.items) == ["CASE-0002", "CASE-0004", "CASE-0005", "CASE-0001", "CASE-0003"]


def test_due_sort_cursors_walk_every_item_once() -> None:
    queue = queue_of([case(n) for n in range(1, 24)])
    queue.due.load(deadline(n, timedelta(minutes=(n * 7) % 23)) for n in range(1, 24, 2))
    seen: list[str] = []
    cursor = None
    while True:
        page = queue.page("WASA-LHR", QueueFilter(), sort="due", cursor=cursor, limit=4, now=NOW)
        seen += ids(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ids(queue.page("WASA-LHR", QueueFilter(), sort="due", limit=100).items)
    assert len(set(seen)) == 23


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (QueueFilter(escalated=True), ["CASE-0002", "CASE-0003", "CASE-0004"]),
        (QueueFilter(escalation_level=2), ["CASE-0003"]),
        (QueueFilter(escalated_to=frozenset({"supervisor"})), ["CASE-0002"]),
        (
            QueueFilter(escalated_to=frozenset({"supervisor", "oversight"})),
            ["CASE-0002", "CASE-0004"],
        ),
        (QueueFilter(escalated_to=frozenset()), []),
    ],
    ids=repr,
)
def test_escalated_cases_by_level_and_role(wanted: QueueFilter, expected: list[str]) -> None:
    queue = queue_of(
        [
            case(1),
            case(2, escalation_level=1, escalated_to_role="supervisor"),
            case(3, escalation_level=2, escalated_to_role="dept_admin"),
            case(4, escalation_level=3, escalated_to_role="oversight"),
        ]
    )
    assert ids(queue.page("WASA-LHR", wanted).items) == expected
