"""Which actions the citizen may take, by state, resolution time and clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nigrani_intake.followup.rules import OpenAction, Windows, open_actions

RESOLVED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOWS = Windows.of_days(confirmation=14, reopen=30)
CONFIRM_UNTIL = RESOLVED_AT + timedelta(days=14)
REOPEN_UNTIL = RESOLVED_AT + timedelta(days=30)
STATES = (
    "routed",
    "assigned",
    "in_progress",
    "awaiting_citizen",
    "resolved",
    "closed",
    "closed_unconfirmed",
    "rejected",
)


def _actions(state: str, now: datetime, resolved_at: datetime | None = RESOLVED_AT) -> list[str]:
    return [o.action for o in open_actions(state, resolved_at, now, WINDOWS)]


def test_a_resolution_can_be_confirmed_disputed_or_reopened_with_deadlines() -> None:
    assert open_actions("resolved", RESOLVED_AT, RESOLVED_AT, WINDOWS) == (
        OpenAction("confirm", CONFIRM_UNTIL),
        OpenAction("dispute", CONFIRM_UNTIL),
        OpenAction("reopen", REOPEN_UNTIL),
    )


def test_the_confirmation_window_closes_at_its_deadline_and_reopening_later() -> None:
    assert _actions("resolved", CONFIRM_UNTIL - timedelta(seconds=1)) == [
        "confirm",
        "dispute",
        "reopen",
    ]
    assert _actions("resolved", CONFIRM_UNTIL) == ["reopen"]
    assert _actions("closed_unconfirmed", REOPEN_UNTIL - timedelta(seconds=1)) == ["reopen"]
    assert _actions("closed", REOPEN_UNTIL) == []


@pytest.mark.parametrize("state", ["closed", "closed_unconfirmed"])
def test_a_closed_case_may_only_be_reopened(state: str) -> None:
    assert _actions(state, RESOLVED_AT + timedelta(days=1)) == ["reopen"]


def test_information_is_open_only_while_the_case_awaits_the_citizen() -> None:
    assert _actions("awaiting_citizen", RESOLVED_AT, resolved_at=None) == ["add_information"]
    for state in ("routed", "assigned", "in_progress", "rejected"):
        assert _actions(state, RESOLVED_AT) == [], state


@given(
    state=st.sampled_from(STATES),
    offset=st.timedeltas(min_value=timedelta(days=-1), max_value=timedelta(days=60)),
)
def test_no_deadline_is_ever_in_the_past(state: str, offset: timedelta) -> None:
    now = RESOLVED_AT + offset
    for opened in open_actions(state, RESOLVED_AT, now, WINDOWS):
        assert opened.until is None or opened.until > now


def test_without_a_resolution_nothing_about_one_is_open() -> None:
    for state in ("resolved", "closed", "closed_unconfirmed"):
        assert _actions(state, RESOLVED_AT, resolved_at=None) == []
