"""Resolution, confirmation and reopening: the windows, their edges, and what a reopened or
closed case remembers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from nigrani_routing.cases.commands import Action
from nigrani_routing.cases.model import Actor, Case, State, Windows
from nigrani_routing.cases.workflow import Refusal, Refused, allowed_actions, decide
from nigrani_shared.auth.identity import Role

from tests.unit.routing.workflow_support import (
    ASSIGNEE,
    CITIZEN,
    INSIDE,
    OTHER,
    RESOLVED_AT,
    SUPERVISOR,
    SYSTEM,
    TICK,
    WINDOWS,
    case_in,
    full_command,
    staff,
)

CONFIRMATION_EDGE = RESOLVED_AT + WINDOWS.confirmation
REOPEN_EDGE = RESOLVED_AT + WINDOWS.reopen


def _takes(case: Case, action: Action, actor: Actor, now: datetime, windows: Windows) -> bool:
    refused: Refused | None = None
    try:
        decide(case, full_command(action), actor, now, windows)
    except Refused as error:
        refused = error
    if refused is None:
        return True
    assert refused.kind is Refusal.ILLEGAL
    assert refused.allowed == allowed_actions(case, actor, now, windows)
    return False


@pytest.mark.parametrize("action", [Action.CONFIRM, Action.DISPUTE])
@pytest.mark.parametrize(
    ("now", "inside"),
    [
        (RESOLVED_AT, True),
        (INSIDE, True),
        (CONFIRMATION_EDGE - TICK, True),
        (CONFIRMATION_EDGE, True),
        (CONFIRMATION_EDGE + TICK, False),
        (REOPEN_EDGE + timedelta(days=1), False),
    ],
    ids=["at-resolution", "inside", "edge-1us", "edge", "edge+1us", "long-after"],
)
def test_the_citizen_confirms_or_disputes_within_the_confirmation_window(
    action: Action, now: datetime, inside: bool
) -> None:
    assert _takes(case_in(State.RESOLVED), action, CITIZEN, now, WINDOWS) is inside


@pytest.mark.parametrize(
    ("now", "lapses"),
    [
        (RESOLVED_AT, False),
        (CONFIRMATION_EDGE - TICK, False),
        (CONFIRMATION_EDGE + TICK, True),
        (REOPEN_EDGE + timedelta(days=100), True),
    ],
    ids=["at-resolution", "edge-1us", "edge+1us", "long-after"],
)
def test_the_confirmation_window_lapses_only_after_it_ends(now: datetime, lapses: bool) -> None:
    assert (
        _takes(case_in(State.RESOLVED), Action.LAPSE_CONFIRMATION, SYSTEM, now, WINDOWS) is lapses
    )


@pytest.mark.parametrize("state", [State.RESOLVED, State.CLOSED, State.CLOSED_UNCONFIRMED])
@pytest.mark.parametrize(
    ("now", "inside"),
    [
        (CONFIRMATION_EDGE + TICK, True),
        (REOPEN_EDGE - TICK, True),
        (REOPEN_EDGE, True),
        (REOPEN_EDGE + TICK, False),
    ],
    ids=["after-confirmation", "edge-1us", "edge", "edge+1us"],
)
def test_the_citizen_reopens_within_the_reopen_window(
    state: State, now: datetime, inside: bool
) -> None:
    assert _takes(case_in(state), Action.REOPEN, CITIZEN, now, WINDOWS) is inside


def test_the_windows_are_configurable() -> None:
    short = Windows(confirmation=timedelta(hours=2), reopen=timedelta(hours=5))
    resolved = case_in(State.RESOLVED)

    def at(**after: float) -> datetime:
        return RESOLVED_AT + timedelta(**after)

    assert _takes(resolved, Action.CONFIRM, CITIZEN, at(hours=2), short)
    assert not _takes(resolved, Action.CONFIRM, CITIZEN, at(hours=2, microseconds=1), short)
    assert _takes(resolved, Action.LAPSE_CONFIRMATION, SYSTEM, at(hours=3), short)
    closed = case_in(State.CLOSED_UNCONFIRMED)
    assert _takes(closed, Action.REOPEN, CITIZEN, at(hours=5), short)
    assert not _takes(closed, Action.REOPEN, CITIZEN, at(hours=5, microseconds=1), short)


@pytest.mark.parametrize("action", [Action.DISPUTE, Action.REOPEN])
@pytest.mark.parametrize(
    ("assignee", "target"), [("off-1", State.ASSIGNED), (None, State.ROUTED)], ids=["kept", "none"]
)
def test_a_reopened_case_returns_to_its_assignee_or_to_routing(
    action: Action, assignee: str | None, target: State
) -> None:
    case = case_in(State.RESOLVED, assignee=assignee, reopened=1)
    change = decide(case, full_command(action), CITIZEN, INSIDE, WINDOWS)
    assert (change.case.state, change.case.assignee) == (target, assignee)
    assert change.event.to_state == target.value
    assert (change.case.reopened, change.event.reopened) == (2, 2)
    assert (change.case.resolved_at, change.case.closed_at) == (None, None)


@pytest.mark.parametrize("state", [State.CLOSED, State.CLOSED_UNCONFIRMED])
def test_reopening_a_closed_case_clears_both_timestamps_and_counts(state: State) -> None:
    change = decide(case_in(state), full_command(Action.REOPEN), CITIZEN, INSIDE, WINDOWS)
    new = change.case
    assert (new.state, new.reopened, new.resolved_at, new.closed_at) == (
        State.ASSIGNED,
        1,
        None,
        None,
    )
    assert change.event.from_state == state.value


def test_resolving_stamps_the_resolution_and_closing_keeps_it() -> None:
    resolved = decide(
        case_in(State.IN_PROGRESS), full_command(Action.RESOLVE), ASSIGNEE, RESOLVED_AT, WINDOWS
    ).case
    assert (resolved.resolved_at, resolved.closed_at) == (RESOLVED_AT, None)
    confirmed_at = RESOLVED_AT + timedelta(days=3)
    closed = decide(resolved, full_command(Action.CONFIRM), CITIZEN, confirmed_at, WINDOWS).case
    assert (closed.resolved_at, closed.closed_at) == (RESOLVED_AT, confirmed_at)
    lapsed_at = CONFIRMATION_EDGE + timedelta(minutes=1)
    lapsed = decide(
        resolved, full_command(Action.LAPSE_CONFIRMATION), SYSTEM, lapsed_at, WINDOWS
    ).case
    assert (lapsed.resolved_at, lapsed.closed_at) == (RESOLVED_AT, lapsed_at)
    assert (closed.reopened, lapsed.reopened) == (0, 0)


def test_a_rejection_closes_without_a_resolution() -> None:
    now = INSIDE
    change = decide(
        case_in(State.IN_PROGRESS), full_command(Action.REJECT), SUPERVISOR, now, WINDOWS
    )
    assert (change.case.state, change.case.resolved_at, change.case.closed_at) == (
        State.REJECTED,
        None,
        now,
    )


def test_confirmed_and_unconfirmed_closures_are_different_states_and_events() -> None:
    resolved = case_in(State.RESOLVED)
    after = CONFIRMATION_EDGE + TICK
    confirmed = decide(resolved, full_command(Action.CONFIRM), CITIZEN, INSIDE, WINDOWS)
    lapsed = decide(resolved, full_command(Action.LAPSE_CONFIRMATION), SYSTEM, after, WINDOWS)
    assert (confirmed.case.state, confirmed.event.to_state) == (State.CLOSED, "closed")
    assert (lapsed.case.state, lapsed.event.to_state) == (
        State.CLOSED_UNCONFIRMED,
        "closed_unconfirmed",
    )
    assert (confirmed.event.actor.kind, lapsed.event.actor.kind) == ("citizen", "system")
    # A closed case does not change into the other kind of closed.
    for closed in (confirmed.case, lapsed.case):
        for action, actor in ((Action.CONFIRM, CITIZEN), (Action.LAPSE_CONFIRMATION, SYSTEM)):
            assert not _takes(closed, action, actor, after, WINDOWS)


OTHER_OFFICER = staff("off-9", Role.OFFICER, department=OTHER.code)
OTHER_SUPERVISOR = staff("sup-9", Role.SUPERVISOR, department=OTHER.code)


def test_a_whole_life_is_one_version_after_another() -> None:
    steps: list[tuple[Action, Actor, timedelta]] = [
        (Action.CLAIM, ASSIGNEE, timedelta(hours=1)),
        (Action.START, ASSIGNEE, timedelta(hours=2)),
        (Action.REQUEST_INFORMATION, ASSIGNEE, timedelta(hours=3)),
        (Action.ADD_INFORMATION, CITIZEN, timedelta(days=1)),
        (Action.RESOLVE, ASSIGNEE, timedelta(days=2)),
        (Action.DISPUTE, CITIZEN, timedelta(days=3)),
        (Action.START, ASSIGNEE, timedelta(days=3, hours=1)),
        (Action.TRANSFER, ASSIGNEE, timedelta(days=4)),
        # From here the case is the other department's: its own staff work it.
        (Action.CLAIM, OTHER_OFFICER, timedelta(days=5)),
        (Action.START, OTHER_OFFICER, timedelta(days=5, hours=1)),
        (Action.RESOLVE, OTHER_OFFICER, timedelta(days=6)),
        (Action.LAPSE_CONFIRMATION, SYSTEM, timedelta(days=21)),
        (Action.REOPEN, CITIZEN, timedelta(days=25)),
        (Action.REJECT, OTHER_SUPERVISOR, timedelta(days=26)),
    ]
    case = case_in(State.ROUTED, version=1)
    states = []
    for number, (action, actor, offset) in enumerate(steps, start=2):
        change = decide(case, full_command(action), actor, RESOLVED_AT + offset, WINDOWS)
        assert change.case.version == change.event.case_version == number
        assert change.event.from_state == case.state.value
        case = change.case
        states.append(case.state.value)
    assert states[-4:] == ["resolved", "closed_unconfirmed", "assigned", "rejected"]
    assert (case.transfers, case.reopened) == (1, 2)
