"""Every (state, action) pair of the case state machine, against the issue's table.

The expected table lives in workflow_support.py, written from the issue's text; the code's
own TRANSITIONS table is never the oracle.
"""

from __future__ import annotations

from itertools import product

import pytest
from nigrani_routing.cases.commands import Action
from nigrani_routing.cases.model import Case, CitizenActor, StaffActor, State, SystemActor
from nigrani_routing.cases.workflow import Refusal, Refused, allowed_actions, decide

from tests.unit.routing.workflow_support import (
    ASSIGNEE,
    BY_CITIZEN,
    BY_STAFF,
    BY_SUPERVISOR,
    BY_SYSTEM,
    CITIZEN,
    EXPECTED,
    INSIDE,
    SUPERVISOR,
    SYSTEM,
    WINDOWS,
    actor_for,
    case_in,
    full_command,
    moment,
)

ALL_CELLS = list(product(State, Action))
ALLOWED = [cell for cell in ALL_CELLS if cell in EXPECTED]
FORBIDDEN = [cell for cell in ALL_CELLS if cell not in EXPECTED]


def _id(cell: tuple[State, Action]) -> str:
    return f"{cell[0]}-{cell[1]}"


def test_the_table_covers_every_state_and_action() -> None:
    assert len(ALL_CELLS) == len(State) * len(Action) == 128
    assert len(ALLOWED) == 40
    assert len(ALLOWED) + len(FORBIDDEN) == len(ALL_CELLS)


@pytest.mark.parametrize("cell", ALLOWED, ids=_id)
def test_an_allowed_action_moves_the_case_and_records_it(cell: tuple[State, Action]) -> None:
    state, action = cell
    case, command, actor, now = (
        case_in(state),
        full_command(action),
        actor_for(action),
        moment(action),
    )

    change = decide(case, command, actor, now, WINDOWS)

    new, event = change.case, change.event
    assert new.state is EXPECTED[cell]
    assert new.version == case.version + 1
    assert new.updated_at == now
    assert (new.request_id, new.submitted_at, new.routed_at) == (
        case.request_id,
        case.submitted_at,
        case.routed_at,
    )
    assert event.request_id == case.request_id
    assert event.case_version == new.version
    assert event.action == action.value
    assert (event.from_state, event.to_state) == (state.value, EXPECTED[cell].value)
    assert event.reason == command.reason
    assert event.public_note == command.public_note
    assert event.internal_note == command.internal_note
    assert event.occurred_at == now
    assert (event.department_code, event.department_name) == (
        new.department.code,
        new.department.name,
    )
    assert (event.assignee, event.priority) == (new.assignee, new.priority.value)
    assert (event.transfers, event.reopened) == (new.transfers, new.reopened)
    _assert_actor_recorded(event.actor.model_dump(), actor)


def _assert_actor_recorded(recorded: dict[str, object], actor: object) -> None:
    if isinstance(actor, StaffActor):
        assert recorded == {
            "kind": "staff",
            "staff_id": actor.staff_id,
            "role": next(iter(actor.roles)).value,
            "department": actor.department,
        }
    else:
        kind = "citizen" if isinstance(actor, CitizenActor) else "system"
        assert isinstance(actor, CitizenActor | SystemActor)
        assert recorded == {"kind": kind, "staff_id": None, "role": None, "department": None}


@pytest.mark.parametrize("cell", FORBIDDEN, ids=_id)
def test_a_forbidden_action_is_a_conflict_naming_the_state_and_the_allowed(
    cell: tuple[State, Action],
) -> None:
    state, action = cell
    case, actor, now = case_in(state), actor_for(action), moment(action)

    with pytest.raises(Refused) as refused:
        decide(case, full_command(action), actor, now, WINDOWS)

    assert refused.value.kind is Refusal.ILLEGAL
    assert refused.value.state is state
    assert refused.value.allowed == allowed_actions(case, actor, now, WINDOWS)
    assert action.value not in refused.value.allowed
    expected = _expected_allowed(case, actor)
    if now == INSIDE:  # the system's other action waits for the window to lapse
        expected -= {Action.LAPSE_CONFIRMATION.value}
    assert set(refused.value.allowed) == expected


def _expected_allowed(case: Case, actor: object) -> set[str]:
    """The issue's table filtered by who the actor is (inside the confirmation window)."""
    if isinstance(actor, CitizenActor):
        mine = BY_CITIZEN
    elif isinstance(actor, SystemActor):
        mine = BY_SYSTEM
    elif actor is SUPERVISOR:
        mine = BY_STAFF
    else:
        mine = BY_STAFF - BY_SUPERVISOR
    return {action.value for (state, action) in EXPECTED if state is case.state and action in mine}


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("actor", [CITIZEN, SYSTEM, SUPERVISOR, ASSIGNEE], ids=repr)
def test_allowed_actions_are_the_issue_table_for_each_actor(state: State, actor: object) -> None:
    case = case_in(state)
    assert isinstance(actor, StaffActor | CitizenActor | SystemActor)
    expected = _expected_allowed(case, actor) - {Action.LAPSE_CONFIRMATION.value}

    assert set(allowed_actions(case, actor, INSIDE, WINDOWS)) == expected


@pytest.mark.parametrize("state", list(State))
def test_only_the_system_sees_a_lapse_and_only_after_the_window(state: State) -> None:
    case = case_in(state)
    after = moment(Action.LAPSE_CONFIRMATION)
    lapse = Action.LAPSE_CONFIRMATION.value

    assert (lapse in allowed_actions(case, SYSTEM, after, WINDOWS)) == (state is State.RESOLVED)
    assert lapse not in allowed_actions(case, SYSTEM, INSIDE, WINDOWS)
    assert lapse not in allowed_actions(case, SUPERVISOR, after, WINDOWS)
    assert lapse not in allowed_actions(case, CITIZEN, after, WINDOWS)
