"""Escalation cells beyond the table: what a level does to the case (who keeps it, which
queue shows it), the event that records it, and every way an escalation is refused."""

from __future__ import annotations

from dataclasses import replace

import pytest
from nigrani_routing.cases.commands import Action, Command
from nigrani_routing.cases.model import Case, Role, State
from nigrani_routing.cases.workflow import Refusal, Refused, decide
from nigrani_shared.events import CaseEscalated

from tests.unit.routing.workflow_support import (
    ACCUSED,
    ASSIGNEE,
    HOME,
    INSIDE,
    OPEN,
    OTHER,
    SYSTEM,
    WINDOWS,
    case_in,
)


def escalate(level: int, role: str = Role.SUPERVISOR, **changes: object) -> Command:
    command = Command(
        action=Action.ESCALATE,
        escalation_level=level,
        escalated_to_role=role,
        to_department=HOME,
        reason=f"resolution target missed: level {level}",
        public_note="Your request is overdue and was escalated.",
    )
    return replace(command, **changes)  # type: ignore[arg-type]


def refusal(case: Case, command: Command) -> Refused:
    with pytest.raises(Refused) as refused:
        decide(case, command, SYSTEM, INSIDE, WINDOWS)
    return refused.value


@pytest.mark.parametrize("state", OPEN)
def test_a_level_of_the_own_department_keeps_the_assignee_and_the_state(state: State) -> None:
    case = case_in(state)

    change = decide(case, escalate(1), SYSTEM, INSIDE, WINDOWS)

    new, event = change.case, change.event
    assert (new.state, new.assignee, new.department) == (state, case.assignee, HOME)
    assert (new.escalation_level, new.escalated_to_role) == (1, "supervisor")
    assert new.transfers == case.transfers
    assert isinstance(event, CaseEscalated)
    assert event.event_type == "org.nigrani.request.escalated.v1"
    assert (event.escalation_level, event.escalated_to_role, event.escalated_to_department) == (
        1,
        "supervisor",
        HOME.code,
    )
    assert (event.action, event.from_state, event.to_state) == ("escalate", state, state)
    assert event.actor.kind == "system"


@pytest.mark.parametrize("state", OPEN)
def test_a_level_of_another_department_routes_the_case_there_unassigned(state: State) -> None:
    case = case_in(state, escalation_level=2, escalated_to_role="dept_admin")

    change = decide(case, escalate(3, Role.OVERSIGHT, to_department=OTHER), SYSTEM, INSIDE, WINDOWS)

    new, event = change.case, change.event
    assert (new.state, new.assignee, new.department) == (State.ROUTED, None, OTHER)
    assert (new.escalation_level, new.escalated_to_role) == (3, "oversight")
    assert new.transfers == case.transfers  # not a transfer: it never counts against one
    assert isinstance(event, CaseEscalated)
    assert (event.department_code, event.escalated_to_department) == (OTHER.code, OTHER.code)
    assert (event.from_state, event.to_state, event.assignee) == (state, "routed", None)


def test_the_ladder_climbs_one_level_at_a_time_and_never_back() -> None:
    case = case_in(State.IN_PROGRESS)
    for level, role in ((1, Role.SUPERVISOR), (2, Role.DEPT_ADMIN), (3, Role.OVERSIGHT)):
        case = decide(case, escalate(level, role), SYSTEM, INSIDE, WINDOWS).case
        assert case.escalation_level == level
    for late in (1, 2, 3):  # the same event again, or an older one arriving last
        refused = refusal(case, escalate(late))
        assert refused.kind is Refusal.INVALID
        assert "already escalated to level 3" in refused.message


def test_a_skipped_level_is_taken() -> None:
    # The SLA service was down past two allowances: level 2 arrives first and stands.
    case = decide(case_in(State.ASSIGNED), escalate(2, Role.DEPT_ADMIN), SYSTEM, INSIDE, WINDOWS)
    assert case.case.escalation_level == 2
    assert refusal(case.case, escalate(1)).kind is Refusal.INVALID


@pytest.mark.parametrize(
    "changes",
    [
        {"escalation_level": None},
        {"escalation_level": 0},
        {"escalation_level": 4},
        {"escalated_to_role": None},
        {"escalated_to_role": "officer"},
        {"to_department": None},
    ],
    ids=repr,
)
def test_an_escalation_missing_what_it_needs_is_invalid(changes: dict[str, object]) -> None:
    assert refusal(case_in(State.ROUTED), escalate(1, **changes)).kind is Refusal.INVALID


def test_an_escalation_never_lands_on_the_accused_department_or_its_offices() -> None:
    case = case_in(State.ASSIGNED)  # a complaint about ACCUSED
    assert refusal(case, escalate(3, to_department=ACCUSED)).kind is Refusal.INVALID
    office = replace(OTHER, code="POLICE-LHR-CANTT")
    command = escalate(3, to_department=office, to_department_part_of=(ACCUSED.code,))
    assert refusal(case, command).kind is Refusal.INVALID


@pytest.mark.parametrize("state", [State.RESOLVED, State.CLOSED, State.CLOSED_UNCONFIRMED])
def test_an_ended_or_resolved_case_is_not_escalated(state: State) -> None:
    assert refusal(case_in(state), escalate(1)).kind is Refusal.ILLEGAL


def test_the_level_outlives_a_transfer_and_a_reopen() -> None:
    case = decide(case_in(State.IN_PROGRESS), escalate(1), SYSTEM, INSIDE, WINDOWS).case
    transfer = Command(action=Action.TRANSFER, to_department=OTHER, reason="wrong office")
    moved = decide(case, transfer, ASSIGNEE, INSIDE, WINDOWS).case
    assert (moved.escalation_level, moved.escalated_to_role) == (1, "supervisor")
    assert refusal(moved, escalate(1, to_department=OTHER)).kind is Refusal.INVALID
