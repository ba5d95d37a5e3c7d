"""Cases, actors and commands for the workflow tests, written from issue 6 by hand.

Nothing here is imported from workflow.py: the expected table below is the issue's text
turned into data, so a wrong cell in the code's TRANSITIONS shows up as a failing test.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from nigrani_routing.cases.commands import Action, Command
from nigrani_routing.cases.model import (
    Actor,
    Case,
    CitizenActor,
    DepartmentRef,
    Priority,
    Role,
    StaffActor,
    State,
    SystemActor,
    Windows,
)

S = State
A = Action


WINDOWS = Windows(confirmation=timedelta(days=14), reopen=timedelta(days=30))
RESOLVED_AT = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
INSIDE = RESOLVED_AT + timedelta(days=1)  # inside both windows
AFTER_CONFIRMATION = RESOLVED_AT + WINDOWS.confirmation + timedelta(seconds=1)
TICK = timedelta(microseconds=1)

HOME = DepartmentRef(code="WASA-LHR", name="WASA Lahore")
OTHER = DepartmentRef(code="LG-WATER", name="Local Government Water")
ACCUSED = DepartmentRef(code="POLICE-LHR", name="Police Lahore")


def staff(staff_id: str, *roles: Role, department: str = HOME.code) -> StaffActor:
    return StaffActor(staff_id=staff_id, roles=frozenset(roles), department=department)


ASSIGNEE = staff("off-1", Role.OFFICER)
COLLEAGUE = staff("off-2", Role.OFFICER)
SUPERVISOR = staff("sup-1", Role.SUPERVISOR)
DEPT_ADMIN = staff("adm-1", Role.DEPT_ADMIN)
OVERSIGHT = staff("ovs-1", Role.OVERSIGHT)
CITIZEN = CitizenActor()
SYSTEM = SystemActor()

# ---- The state machine, by hand --------------------------------------------------
# "routed -> assigned -> in_progress <-> awaiting_citizen -> resolved -> closed; rejected
# (reason required); transferred to another department; reopened by the citizen within a
# configurable window after resolution ... the case closes when the citizen confirms, or
# when the confirmation window lapses (closed_unconfirmed); a citizen who disputes reopens
# it." Reassignment, priority changes and notes are "manual overrides" that do not move
# the state. A transfer sends the case back to routing in the new department.
# Issue 7: "routing consumes sla.escalated: the case moves to the level's queue": an open
# case only, by the system only; a level handled in the case's own department leaves its
# state alone (one handled elsewhere routes it there, tested in test_workflow_escalation).
OPEN = (S.ROUTED, S.ASSIGNED, S.IN_PROGRESS, S.AWAITING_CITIZEN)
EXPECTED: dict[tuple[State, Action], State] = {
    (S.ROUTED, A.CLAIM): S.ASSIGNED,
    (S.ROUTED, A.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, A.ASSIGN): S.ASSIGNED,
    (S.IN_PROGRESS, A.ASSIGN): S.IN_PROGRESS,
    (S.AWAITING_CITIZEN, A.ASSIGN): S.AWAITING_CITIZEN,
    (S.ASSIGNED, A.START): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.REQUEST_INFORMATION): S.AWAITING_CITIZEN,
    (S.AWAITING_CITIZEN, A.RESUME): S.IN_PROGRESS,
    (S.AWAITING_CITIZEN, A.ADD_INFORMATION): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.RESOLVE): S.RESOLVED,
    (S.RESOLVED, A.CONFIRM): S.CLOSED,
    (S.RESOLVED, A.LAPSE_CONFIRMATION): S.CLOSED_UNCONFIRMED,
    (S.RESOLVED, A.DISPUTE): S.ASSIGNED,
    (S.RESOLVED, A.REOPEN): S.ASSIGNED,
    (S.CLOSED, A.REOPEN): S.ASSIGNED,
    (S.CLOSED_UNCONFIRMED, A.REOPEN): S.ASSIGNED,
    **{(state, A.REJECT): S.REJECTED for state in OPEN},
    **{(state, A.TRANSFER): S.ROUTED for state in OPEN},
    **{(state, A.CHANGE_PRIORITY): state for state in OPEN},
    **{(state, A.ESCALATE): state for state in OPEN},
    **{(state, A.NOTE): state for state in State},
}

# Who acts, by hand: the citizen confirms, disputes, reopens and answers; only the system
# lets a window lapse; rejections, assignments and priority changes are a supervisor's.
BY_CITIZEN = frozenset({A.ADD_INFORMATION, A.CONFIRM, A.DISPUTE, A.REOPEN})
BY_SYSTEM = frozenset({A.LAPSE_CONFIRMATION, A.ESCALATE})
BY_SUPERVISOR = frozenset({A.ASSIGN, A.REJECT, A.CHANGE_PRIORITY})
BY_ASSIGNEE = frozenset({A.START, A.REQUEST_INFORMATION, A.RESUME, A.RESOLVE})
BY_STAFF = frozenset(Action) - BY_CITIZEN - BY_SYSTEM
SUPERVISING_ROLES = (Role.SUPERVISOR, Role.DEPT_ADMIN)


def legal_state(action: Action) -> State:
    """One state in which the issue lets `action` happen."""
    return next(state for (state, act) in EXPECTED if act is action)


def case_in(state: State, **changes: object) -> Case:
    """A case as it would stand in `state` after an ordinary history."""
    assigned = state is not S.ROUTED
    resolved = state in (S.RESOLVED, S.CLOSED, S.CLOSED_UNCONFIRMED)
    closed = state in (S.CLOSED, S.CLOSED_UNCONFIRMED, S.REJECTED)
    case = Case(
        request_id="ABCD-EFGH-JKMN",
        version=7,
        state=state,
        department=HOME,
        category="water.no_supply",
        priority=Priority.NORMAL,
        assignee=ASSIGNEE.staff_id if assigned else None,
        transfers=0,
        reopened=0,
        submitted_at=RESOLVED_AT - timedelta(days=5),
        routed_at=RESOLVED_AT - timedelta(days=5),
        updated_at=RESOLVED_AT,
        excluded_department=ACCUSED.code,
        conflict_of_interest=True,
        resolved_at=RESOLVED_AT if resolved else None,
        closed_at=RESOLVED_AT + timedelta(hours=1) if closed else None,
    )
    return replace(case, **changes)  # type: ignore[arg-type]


def moment(action: Action) -> datetime:
    """A lapse is tried after the confirmation window, everything else inside it."""
    return AFTER_CONFIRMATION if action is A.LAPSE_CONFIRMATION else INSIDE


def actor_for(action: Action) -> Actor:
    """Someone the issue lets take `action` (the assignee for ordinary work)."""
    if action in BY_CITIZEN:
        return CITIZEN
    if action in BY_SYSTEM:
        return SYSTEM
    return SUPERVISOR if action in BY_SUPERVISOR else ASSIGNEE


def full_command(action: Action, **changes: object) -> Command:
    """A command carrying everything any rule could ask of it."""
    command = Command(
        action=action,
        reason=f"reason for {action}",
        public_note=f"public note for {action}",
        internal_note=f"internal note for {action}",
        assignee=COLLEAGUE.staff_id if action is A.ASSIGN else None,
        to_department=OTHER if action is A.TRANSFER else None,
        priority=Priority.HIGH if action is A.CHANGE_PRIORITY else None,
    )
    if action is A.ESCALATE:  # level 1, handled by the case's own department
        command = replace(
            command, escalation_level=1, escalated_to_role=Role.SUPERVISOR, to_department=HOME
        )
    return replace(command, **changes)  # type: ignore[arg-type]
