"""Policy values: durations in business time, the most specific policy, ladder timing."""

from __future__ import annotations

import dataclasses

import pytest
from nigrani_sla.calendar.business import BusinessCalendar
from nigrani_sla.policies.model import Duration, Policy, PolicyBook, Rung

from tests.unit.sla.calendar.examples import HOUR, OFFICE_WEEK, karachi, office


def test_durations_in_seconds_minutes_and_hours_are_fixed() -> None:
    calendar = office()
    assert Duration(30, "seconds").business_seconds(calendar) == 30
    assert Duration(90, "minutes").business_seconds(calendar) == 5400
    assert Duration(1.5, "hours").business_seconds(calendar) == 5400


def test_days_are_full_working_days_of_the_calendar() -> None:
    assert Duration(21, "days").business_seconds(office()) == 21 * 8 * HOUR
    assert Duration(2, "days").business_seconds(BusinessCalendar.always_open("24x7")) == 48 * HOUR
    short = BusinessCalendar("short", week=OFFICE_WEEK, day_seconds=6 * HOUR)
    assert Duration(0.5, "days").business_seconds(short) == 3 * HOUR


def test_durations_read_as_written() -> None:
    assert str(Duration(21, "days")) == "21 days"
    assert str(Duration(1, "hours")) == "1 hour"
    assert str(Duration(1.5, "hours")) == "1.5 hours"


def _policy(category: str, priority: str) -> Policy:
    return Policy(
        id=f"{category}-{priority}".replace("*", "any"),
        category=category,
        priority=priority,
        first_response=Duration(1, "days"),
        resolution=Duration(5, "days"),
        warning_share=0.75,
        ladder=(),
    )


BOOK = PolicyBook(
    [
        _policy("*", "*"),
        _policy("*", "urgent"),
        _policy("water.main_break", "*"),
        _policy("water.main_break", "urgent"),
    ],
    version="v1",
)


@pytest.mark.parametrize(
    ("category", "priority", "expected"),
    [
        ("water.main_break", "urgent", "water.main_break-urgent"),
        ("water.main_break", "low", "water.main_break-any"),
        ("roads.pothole", "urgent", "any-urgent"),
        ("roads.pothole", "low", "any-any"),
        ("water.main_break", "unheard-of", "water.main_break-any"),
    ],
)
def test_the_most_specific_policy_applies(category: str, priority: str, expected: str) -> None:
    assert BOOK.policy_for(category, priority).id == expected


def test_a_category_policy_beats_a_priority_policy() -> None:
    """(category, "*") comes before ("*", priority): an urgent burst main follows the
    burst-main policy when it has no urgent one of its own."""
    book = PolicyBook(
        [_policy("*", "*"), _policy("*", "urgent"), _policy("roads.pothole", "*")], "v"
    )
    assert book.policy_for("roads.pothole", "urgent").id == "roads.pothole-any"


def test_a_book_without_a_catch_all_is_refused() -> None:
    with pytest.raises(ValueError, match='category "\\*" and priority "\\*"'):
        PolicyBook([_policy("*", "urgent")], "v")


def test_ladder_allowances_add_up_in_business_time() -> None:
    """Level 1 fires at the resolution due time plus its allowance, level 2 that much
    later again, all in the calendar's working time."""
    policy = dataclasses.replace(
        _policy("*", "*"),
        ladder=(
            Rung(1, "supervisor", Duration(4, "hours")),
            Rung(2, "dept_admin", Duration(1, "days")),
            Rung(3, "oversight", Duration(0, "hours")),
        ),
    )
    calendar = office()
    assert [(rung.level, after) for rung, after in policy.escalation_seconds(calendar)] == [
        (1, 4 * HOUR),
        (2, 12 * HOUR),
        (3, 12 * HOUR),
    ]
    # Five 8-hour days from Monday 2 June 09:00: Monday to Thursday, then Friday 6 and
    # Monday 9 June are Eid al-Adha, so the resolution is due on Tuesday 10 June at 17:00.
    submitted = karachi(2025, 6, 2, 9)
    resolution_due = calendar.add(submitted, policy.resolution.business_seconds(calendar))
    assert resolution_due == karachi(2025, 6, 10, 17)
    fires = [
        calendar.add(resolution_due, after) for _, after in policy.escalation_seconds(calendar)
    ]
    assert fires == [karachi(2025, 6, 11, 13), karachi(2025, 6, 12, 13), karachi(2025, 6, 12, 13)]


def test_the_warning_is_a_share_of_the_target() -> None:
    policy = dataclasses.replace(_policy("*", "*"), warning_share=0.5)
    assert policy.warning_seconds(policy.resolution, office()) == 20 * HOUR
