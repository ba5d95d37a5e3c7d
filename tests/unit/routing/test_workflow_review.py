"""Rules a review of workflow.py found missing (refusals that recursed, a note moving the
closing time, blank summaries, the confirmation edge, staff of another department): each
test failed before its fix."""

from __future__ import annotations

import pytest
from nigrani_routing.cases.commands import Action
from nigrani_routing.cases.model import Role, State
from nigrani_routing.cases.workflow import Refusal, Refused, allowed_actions, decide

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


def test_d1_a_citizen_asking_for_staff_work_is_forbidden_not_a_crash() -> None:
    with pytest.raises(Refused) as refused:
        decide(case_in(State.ROUTED), full_command(Action.CLAIM), CITIZEN, INSIDE, WINDOWS)
    assert refused.value.kind is Refusal.FORBIDDEN
    assert refused.value.allowed == []


def test_d1_allowed_actions_answers_for_an_officer_on_a_routed_case() -> None:
    assert allowed_actions(case_in(State.ROUTED), ASSIGNEE, INSIDE, WINDOWS) == [
        "claim",
        "transfer",
        "note",
    ]


@pytest.mark.parametrize("state", [State.CLOSED, State.CLOSED_UNCONFIRMED, State.REJECTED])
def test_d2_a_note_on_an_ended_case_keeps_its_closing_time(state: State) -> None:
    case = case_in(state)
    change = decide(case, full_command(Action.NOTE), SUPERVISOR, INSIDE, WINDOWS)
    assert change.case.closed_at == case.closed_at


@pytest.mark.parametrize(
    ("action", "blank"),
    [
        (Action.RESOLVE, {"public_note": "  "}),
        (Action.REQUEST_INFORMATION, {"public_note": "\n"}),
        (Action.REJECT, {"reason": " "}),
        (Action.TRANSFER, {"reason": "\t"}),
    ],
)
def test_d3_a_blank_summary_or_reason_is_no_summary_or_reason(
    action: Action, blank: dict[str, str]
) -> None:
    state = State.IN_PROGRESS
    with pytest.raises(Refused) as refused:
        decide(case_in(state), full_command(action, **blank), SUPERVISOR, INSIDE, WINDOWS)
    assert refused.value.kind is Refusal.INVALID


def test_d4_at_the_confirmation_edge_the_citizen_still_confirms_and_nothing_lapses() -> None:
    case = case_in(State.RESOLVED)
    edge = RESOLVED_AT + WINDOWS.confirmation
    assert "confirm" in allowed_actions(case, CITIZEN, edge, WINDOWS)
    assert "lapse_confirmation" not in allowed_actions(case, SYSTEM, edge, WINDOWS)
    later = edge + TICK
    assert "lapse_confirmation" in allowed_actions(case, SYSTEM, later, WINDOWS)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    ("action", "state"),
    [(Action.CLAIM, State.ROUTED), (Action.RESOLVE, State.IN_PROGRESS)],
)
def test_d5_staff_of_another_department_may_not_act_on_the_case(
    role: Role, action: Action, state: State
) -> None:
    outsider = staff(ASSIGNEE.staff_id, role, department=OTHER.code)
    with pytest.raises(Refused) as refused:
        decide(case_in(state), full_command(action), outsider, INSIDE, WINDOWS)
    assert refused.value.kind is Refusal.FORBIDDEN
