"""Who may act, and what a command must carry: roles, the assignee, reasons, summaries,
transfers, reassignment and priority."""

from __future__ import annotations

from dataclasses import replace

import pytest
from nigrani_routing.cases.commands import Action, Command
from nigrani_routing.cases.model import Actor, DepartmentRef, Priority, Role, State
from nigrani_routing.cases.workflow import Refusal, Refused, decide

from tests.unit.routing.workflow_support import (
    ACCUSED,
    ASSIGNEE,
    BY_ASSIGNEE,
    BY_CITIZEN,
    BY_STAFF,
    BY_SUPERVISOR,
    BY_SYSTEM,
    CITIZEN,
    COLLEAGUE,
    DEPT_ADMIN,
    HOME,
    INSIDE,
    OTHER,
    OVERSIGHT,
    SUPERVISING_ROLES,
    SUPERVISOR,
    SYSTEM,
    WINDOWS,
    case_in,
    full_command,
    legal_state,
    moment,
    staff,
)


def _refusal(action: Action, actor: Actor, **command: object) -> Refused:
    case = case_in(legal_state(action))
    with pytest.raises(Refused) as refused:
        decide(case, full_command(action, **command), actor, moment(action), WINDOWS)
    return refused.value


# ---- roles ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", sorted(BY_STAFF))
def test_each_staff_action_needs_the_roles_the_issue_gives_it(action: Action, role: Role) -> None:
    # The actor is the assignee, so only the role decides.
    actor = staff(ASSIGNEE.staff_id, role)
    case = case_in(legal_state(action))
    command = full_command(action)
    may = role in SUPERVISING_ROLES or action not in BY_SUPERVISOR
    if may:
        assert decide(case, command, actor, INSIDE, WINDOWS).case.version == case.version + 1
        return
    with pytest.raises(Refused) as refused:
        decide(case, command, actor, INSIDE, WINDOWS)
    assert refused.value.kind is Refusal.FORBIDDEN
    assert action.value not in refused.value.allowed


@pytest.mark.parametrize("action", sorted(set(Action) - BY_CITIZEN))
def test_the_citizen_takes_only_citizen_actions(action: Action) -> None:
    assert _refusal(action, CITIZEN).kind is Refusal.FORBIDDEN


@pytest.mark.parametrize("action", sorted(set(Action) - BY_SYSTEM))
def test_the_system_only_lets_windows_lapse(action: Action) -> None:
    assert _refusal(action, SYSTEM).kind is Refusal.FORBIDDEN


@pytest.mark.parametrize("action", sorted(BY_CITIZEN | BY_SYSTEM))
@pytest.mark.parametrize("actor", [ASSIGNEE, SUPERVISOR, DEPT_ADMIN, OVERSIGHT], ids=repr)
def test_no_staff_member_speaks_for_the_citizen_or_the_clock(action: Action, actor: Actor) -> None:
    # Staff cannot confirm, dispute or close a case on the citizen's behalf.
    assert _refusal(action, actor).kind is Refusal.FORBIDDEN


def test_a_staff_member_without_roles_may_do_nothing() -> None:
    assert _refusal(Action.NOTE, staff("nobody")).kind is Refusal.FORBIDDEN


def test_the_event_records_the_most_senior_role_held() -> None:
    both = staff("sup-2", Role.OFFICER, Role.SUPERVISOR)
    change = decide(case_in(State.ROUTED), full_command(Action.CLAIM), both, INSIDE, WINDOWS)
    assert change.event.actor.role == "supervisor"
    assert change.event.actor.department == HOME.code


# ---- the assignee --------------------------------------------------------------------------
@pytest.mark.parametrize("action", sorted(BY_ASSIGNEE))
@pytest.mark.parametrize(
    ("actor", "may"),
    [
        (ASSIGNEE, True),
        (COLLEAGUE, False),
        (OVERSIGHT, False),
        (SUPERVISOR, True),
        (DEPT_ADMIN, True),
    ],
    ids=["assignee", "colleague", "oversight", "supervisor", "dept_admin"],
)
def test_work_on_a_case_is_its_assignees_or_a_supervisors(
    action: Action, actor: Actor, may: bool
) -> None:
    case = case_in(legal_state(action))
    if may:
        assert decide(case, full_command(action), actor, INSIDE, WINDOWS).case.assignee == "off-1"
        return
    refused = _refusal(action, actor)
    assert refused.kind is Refusal.FORBIDDEN
    assert action.value not in refused.allowed


def test_claiming_makes_the_claimer_the_assignee() -> None:
    change = decide(case_in(State.ROUTED), full_command(Action.CLAIM), COLLEAGUE, INSIDE, WINDOWS)
    assert (change.case.assignee, change.event.assignee) == ("off-2", "off-2")


# ---- what a command must carry -----------------------------------------------------------
# An assignment needs a reason only when it reassigns (tested below).
NEED_A_REASON = {Action.REJECT, Action.TRANSFER, Action.CHANGE_PRIORITY, Action.RESUME}


@pytest.mark.parametrize("action", sorted(NEED_A_REASON))
@pytest.mark.parametrize("reason", [None, ""])
def test_rejections_overrides_and_resuming_without_the_citizen_need_a_reason(
    action: Action, reason: str | None
) -> None:
    refused = _refusal(action, SUPERVISOR, reason=reason)
    assert (refused.kind, refused.state) == (Refusal.INVALID, legal_state(action))


@pytest.mark.parametrize("action", [Action.RESOLVE, Action.REQUEST_INFORMATION])
@pytest.mark.parametrize("note", [None, ""])
def test_a_resolution_and_a_question_to_the_citizen_need_a_public_note(
    action: Action, note: str | None
) -> None:
    # Internal notes do not count: the citizen never sees them.
    assert _refusal(action, ASSIGNEE, public_note=note).kind is Refusal.INVALID


def test_a_note_needs_some_text_and_either_kind_will_do() -> None:
    refused = _refusal(Action.NOTE, ASSIGNEE, public_note=None, internal_note=None)
    assert refused.kind is Refusal.INVALID
    for notes in ({"public_note": None}, {"internal_note": None}):
        command = full_command(Action.NOTE, **notes)
        assert decide(case_in(State.ROUTED), command, ASSIGNEE, INSIDE, WINDOWS).case.version == 8


@pytest.mark.parametrize("action", sorted(set(Action) - NEED_A_REASON - {Action.ASSIGN}))
def test_other_actions_need_no_reason(action: Action) -> None:
    state = legal_state(action)
    case = case_in(state)
    actor = CITIZEN if action in BY_CITIZEN else SYSTEM if action in BY_SYSTEM else SUPERVISOR
    change = decide(case, full_command(action, reason=None), actor, moment(action), WINDOWS)
    assert change.event.reason is None


# ---- transfers -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("transfers", "actor", "may"),
    [
        (0, ASSIGNEE, True),
        (1, ASSIGNEE, True),
        (1, COLLEAGUE, False),  # an assigned case is its assignee's (or a supervisor's)
        (2, ASSIGNEE, False),
        (2, OVERSIGHT, False),
        (2, SUPERVISOR, True),
        (2, DEPT_ADMIN, True),
        (5, ASSIGNEE, False),
        (5, SUPERVISOR, True),
    ],
)
def test_two_transfers_are_free_and_the_third_needs_a_supervisor(
    transfers: int, actor: Actor, may: bool
) -> None:
    case = case_in(State.IN_PROGRESS, transfers=transfers)
    command = full_command(Action.TRANSFER)
    if not may:
        with pytest.raises(Refused) as refused:
            decide(case, command, actor, INSIDE, WINDOWS)
        assert refused.value.kind is Refusal.FORBIDDEN
        assert Action.TRANSFER.value not in refused.value.allowed
        return
    new = decide(case, command, actor, INSIDE, WINDOWS).case
    assert (new.state, new.department, new.assignee) == (State.ROUTED, OTHER, None)
    assert new.transfers == transfers + 1


@pytest.mark.parametrize("actor", [ASSIGNEE, SUPERVISOR, DEPT_ADMIN], ids=repr)
@pytest.mark.parametrize(
    "to",
    [HOME, ACCUSED, DepartmentRef(code=ACCUSED.code, name="renamed"), None],
    ids=["same", "accused", "accused-by-code", "none"],
)
def test_a_transfer_must_go_somewhere_else_and_never_to_the_accused(
    to: DepartmentRef | None, actor: Actor
) -> None:
    refused = _refusal(Action.TRANSFER, actor, to_department=to)
    assert (refused.kind, refused.state) == (Refusal.INVALID, State.ROUTED)


def test_a_case_without_a_conflict_may_go_to_any_other_department() -> None:
    case = case_in(State.ASSIGNED, excluded_department=None, conflict_of_interest=False)
    command = full_command(Action.TRANSFER, to_department=ACCUSED)
    assert decide(case, command, ASSIGNEE, INSIDE, WINDOWS).case.department == ACCUSED


# ---- reassignment and priority -----------------------------------------------------------
def test_a_first_assignment_needs_no_reason_but_a_reassignment_does() -> None:
    command = full_command(Action.ASSIGN, reason=None)
    first = decide(case_in(State.ROUTED), command, SUPERVISOR, INSIDE, WINDOWS)
    assert (first.case.state, first.case.assignee) == (State.ASSIGNED, "off-2")
    for state in (State.ASSIGNED, State.IN_PROGRESS, State.AWAITING_CITIZEN):
        with pytest.raises(Refused) as refused:
            decide(case_in(state), command, SUPERVISOR, INSIDE, WINDOWS)
        assert refused.value.kind is Refusal.INVALID
        again = decide(case_in(state), full_command(Action.ASSIGN), SUPERVISOR, INSIDE, WINDOWS)
        assert (again.case.state, again.case.assignee) == (state, "off-2")


@pytest.mark.parametrize("assignee", [None, "", ASSIGNEE.staff_id], ids=["none", "empty", "same"])
def test_an_assignment_names_someone_new(assignee: str | None) -> None:
    case = case_in(State.ASSIGNED)
    with pytest.raises(Refused) as refused:
        decide(case, full_command(Action.ASSIGN, assignee=assignee), SUPERVISOR, INSIDE, WINDOWS)
    assert refused.value.kind is Refusal.INVALID


@pytest.mark.parametrize("priority", [None, Priority.NORMAL], ids=["none", "same"])
def test_a_priority_change_must_change_the_priority(priority: Priority | None) -> None:
    assert _refusal(Action.CHANGE_PRIORITY, SUPERVISOR, priority=priority).kind is Refusal.INVALID


@pytest.mark.parametrize("priority", [p for p in Priority if p is not Priority.NORMAL])
def test_a_priority_change_records_the_new_priority(priority: Priority) -> None:
    case = case_in(State.IN_PROGRESS)
    command = full_command(Action.CHANGE_PRIORITY, priority=priority)
    change = decide(case, command, DEPT_ADMIN, INSIDE, WINDOWS)
    assert (
        replace(change.case, priority=case.priority, version=7, updated_at=case.updated_at) == case
    )
    assert change.event.priority == priority.value


def test_a_complaint_is_never_transferred_to_an_office_of_the_accused_department() -> None:
    """Routed to oversight because it accuses WASA Lahore: WASA's Model Town office is
    WASA too."""
    office = DepartmentRef(code="WASA-LHR-MODEL-TOWN", name="WASA Model Town")
    case = replace(case_in(State.IN_PROGRESS), excluded_department="WASA-LHR")
    command = Command(
        action=Action.TRANSFER,
        to_department=office,
        to_department_part_of=("WASA-LHR",),
        reason="Their area",
    )
    with pytest.raises(Refused) as refused:
        decide(case, command, SUPERVISOR, INSIDE, WINDOWS)
    assert refused.value.kind is Refusal.INVALID
