"""The case state machine: one pure function from (case, command, actor, time) to the next
case version and the event that records it, or a refusal that says why.

The transition table is data, so the allowed actions of any case can be listed (the 409
body does) and every cell is tested. Anti-gaming rules live here, not in the API:
a resolution needs a public summary, rejections and overrides need a reason, the third
transfer needs a supervisor, nobody transfers a complaint to the department it accuses,
and closure is the citizen's word (or the lapse of their window), never staff's.

Escalation is the system's alone (the SLA service's verdict, applied by routing's
consumer): only an open case, only upward (a repeated or late level is refused), never
onto the department a complaint accuses. A level handled in the case's own department
keeps the assignee: the supervisor or head sees the case "escalated to me" and may step
in, while the officer who knows it keeps working it. A level handled by another
department (a sub-office's parent, the oversight body) moves the case there like a
transfer: unassigned and routed, since the old assignee cannot act in that department.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from nigrani_shared.auth.identity import Role
from nigrani_shared.events import Actor as EventActor
from nigrani_shared.events import CaseChanged, CaseEscalated

from nigrani_routing.cases.commands import (
    CITIZEN_ACTIONS,
    SYSTEM_ACTIONS,
    Action,
    Command,
)
from nigrani_routing.cases.model import (
    OPEN_STATES,
    STAFF,
    SUPERVISING,
    Actor,
    Case,
    CitizenActor,
    StaffActor,
    State,
    SystemActor,
    Windows,
)

FREE_TRANSFERS = 2
_OPEN = tuple(OPEN_STATES)
_REOPENABLE = (State.RESOLVED, State.CLOSED, State.CLOSED_UNCONFIRMED)

# action -> {from state: to state}; "None" as a target means the state does not change.
TRANSITIONS: dict[Action, dict[State, State | None]] = {
    Action.CLAIM: {State.ROUTED: State.ASSIGNED},
    Action.ASSIGN: {
        State.ROUTED: State.ASSIGNED,
        State.ASSIGNED: None,
        State.IN_PROGRESS: None,
        State.AWAITING_CITIZEN: None,
    },
    Action.START: {State.ASSIGNED: State.IN_PROGRESS},
    Action.REQUEST_INFORMATION: {State.IN_PROGRESS: State.AWAITING_CITIZEN},
    Action.RESUME: {State.AWAITING_CITIZEN: State.IN_PROGRESS},
    Action.ADD_INFORMATION: {State.AWAITING_CITIZEN: State.IN_PROGRESS},
    Action.RESOLVE: {State.IN_PROGRESS: State.RESOLVED},
    Action.CONFIRM: {State.RESOLVED: State.CLOSED},
    Action.DISPUTE: {State.RESOLVED: State.ASSIGNED},
    Action.REOPEN: {state: State.ASSIGNED for state in _REOPENABLE},
    Action.LAPSE_CONFIRMATION: {State.RESOLVED: State.CLOSED_UNCONFIRMED},
    Action.REJECT: {state: State.REJECTED for state in _OPEN},
    Action.TRANSFER: {state: State.ROUTED for state in _OPEN},
    Action.CHANGE_PRIORITY: {state: None for state in _OPEN},
    # A move to another department routes the case there (see _apply).
    Action.ESCALATE: {state: None for state in _OPEN},
    Action.NOTE: {state: None for state in State},
}

# Who may ask for each staff action (besides the assignee rule below).
STAFF_ROLES: dict[Action, frozenset[Role]] = {
    Action.CLAIM: STAFF,
    Action.ASSIGN: SUPERVISING,
    Action.START: STAFF,
    Action.REQUEST_INFORMATION: STAFF,
    Action.RESUME: STAFF,
    Action.RESOLVE: STAFF,
    Action.REJECT: SUPERVISING,
    Action.TRANSFER: STAFF,
    Action.CHANGE_PRIORITY: SUPERVISING,
    Action.NOTE: STAFF,
}
# Work on an assigned case belongs to its assignee; a supervisor may step in.
ASSIGNEE_ONLY = frozenset({Action.START, Action.REQUEST_INFORMATION, Action.RESUME, Action.RESOLVE})
REASON_REQUIRED = frozenset({Action.REJECT, Action.TRANSFER, Action.CHANGE_PRIORITY, Action.RESUME})
# A rejection tells the citizen why in a public note, besides the reason kept for staff.
PUBLIC_NOTE_REQUIRED = frozenset({Action.RESOLVE, Action.REQUEST_INFORMATION, Action.REJECT})
ENDED = frozenset({State.CLOSED, State.CLOSED_UNCONFIRMED, State.REJECTED})
ESCALATION_LEVELS = range(1, 4)
ESCALATION_ROLES = frozenset({Role.SUPERVISOR, Role.DEPT_ADMIN, Role.OVERSIGHT})


class Refusal(StrEnum):
    ILLEGAL = "illegal_transition"  # 409: not from this state (or window closed)
    FORBIDDEN = "forbidden"  # 403: this actor may not
    INVALID = "invalid"  # 422: the command lacks what the rule needs


class Refused(Exception):
    def __init__(self, kind: Refusal, message: str, case: Case, allowed: list[str]) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.state = case.state
        self.version = case.version
        self.allowed = allowed


@dataclass(frozen=True)
class Change:
    case: Case
    event: CaseChanged


def decide(case: Case, command: Command, actor: Actor, now: datetime, windows: Windows) -> Change:
    """The next version of `case` with the event recording it, or `Refused`."""
    action = command.action
    target = _target(case, action, now, windows)
    if isinstance(target, _NotAllowed):
        raise Refused(
            Refusal.ILLEGAL,
            f"a case that is {case.state} cannot take '{action}' now",
            case,
            allowed_actions(case, actor, now, windows),
        )
    try:
        _check_actor(case, command, actor)
    except _Forbidden as forbidden:
        raise Refused(
            Refusal.FORBIDDEN, str(forbidden), case, allowed_actions(case, actor, now, windows)
        ) from None
    _check_content(case, command, now, windows)
    new = _apply(case, command, actor, target, now)
    return Change(case=new, event=_event(case, new, command, actor, now))


def allowed_actions(case: Case, actor: Actor, now: datetime, windows: Windows) -> list[str]:
    """The actions this actor could take on this case now (content rules aside)."""
    allowed = []
    for action in Action:
        if isinstance(_target(case, action, now, windows), _NotAllowed):
            continue
        try:
            _check_actor(case, Command(action=action), actor)
        except _Forbidden:
            continue
        allowed.append(action.value)
    return allowed


class _Forbidden(Exception):
    """This actor may not take this action (decide turns it into a Refused)."""


class _NotAllowed:
    pass


_NOT_ALLOWED = _NotAllowed()


def _target(
    case: Case, action: Action, now: datetime, windows: Windows
) -> State | _NotAllowed | None:
    targets = TRANSITIONS[action]
    if case.state not in targets:
        return _NOT_ALLOWED
    resolved_at = case.resolved_at
    if action in (Action.CONFIRM, Action.DISPUTE) and (
        resolved_at is None or now > resolved_at + windows.confirmation
    ):
        return _NOT_ALLOWED
    if action is Action.LAPSE_CONFIRMATION and (
        resolved_at is None or now <= resolved_at + windows.confirmation
    ):
        return _NOT_ALLOWED
    if action is Action.REOPEN and (resolved_at is None or now > resolved_at + windows.reopen):
        return _NOT_ALLOWED
    target = targets[case.state]
    if action in (Action.DISPUTE, Action.REOPEN) and case.assignee is None:
        return State.ROUTED
    return target


def _check_actor(case: Case, command: Command, actor: Actor) -> None:
    action = command.action
    refuse = _Forbidden

    if isinstance(actor, CitizenActor):
        if action not in CITIZEN_ACTIONS:
            raise refuse(f"'{action}' is not a citizen's action")
        return
    if isinstance(actor, SystemActor):
        if action not in SYSTEM_ACTIONS:
            raise refuse(f"'{action}' is not the system's action")
        return
    if action not in STAFF_ROLES:
        raise refuse(f"'{action}' is not a staff action")
    if not actor.has_any(STAFF_ROLES[action]):
        raise refuse(f"'{action}' needs the role {' or '.join(sorted(STAFF_ROLES[action]))}")
    if actor.department != case.department.code:
        raise refuse("staff act only on their own department's cases")
    supervising = actor.has_any(SUPERVISING)
    if action in ASSIGNEE_ONLY and case.assignee != actor.staff_id and not supervising:
        raise refuse(f"only the assignee or a supervisor may '{action}' this case")
    if (
        action is Action.TRANSFER
        and case.assignee not in (None, actor.staff_id)
        and not supervising
    ):
        raise refuse("only the assignee or a supervisor may transfer an assigned case")
    if action is Action.TRANSFER and case.transfers >= FREE_TRANSFERS and not supervising:
        raise refuse(
            f"this case was transferred {case.transfers} times: a supervisor must transfer it"
        )


def _check_content(case: Case, command: Command, now: datetime, windows: Windows) -> None:
    action = command.action

    def invalid(message: str) -> Refused:
        return Refused(Refusal.INVALID, message, case, [])

    if action in REASON_REQUIRED and not _given(command.reason):
        raise invalid(f"'{action}' needs a reason")
    if action in PUBLIC_NOTE_REQUIRED and not _given(command.public_note):
        what = "a public summary" if action is Action.RESOLVE else "a public note"
        raise invalid(f"'{action}' needs {what} for the citizen")
    if action is Action.NOTE and not (_given(command.public_note) or _given(command.internal_note)):
        raise invalid("a note needs a public or an internal note")
    if action is Action.ASSIGN:
        if not command.assignee:
            raise invalid("'assign' needs an assignee")
        if command.assignee == case.assignee:
            raise invalid("the case is already assigned to them")
        if case.assignee is not None and not _given(command.reason):
            raise invalid("reassigning a case needs a reason")
    if action is Action.TRANSFER:
        target = command.to_department
        if target is None:
            raise invalid("'transfer' needs a department")
        if target.code == case.department.code:
            raise invalid("the case is already in that department")
        if case.excluded_department in (target.code, *command.to_department_part_of):
            raise invalid("the request is a complaint about that department")
    if action is Action.CHANGE_PRIORITY and command.priority in (None, case.priority):
        raise invalid("'change_priority' needs a different priority")
    if action is Action.ESCALATE:
        _check_escalation(case, command, invalid)


def _check_escalation(case: Case, command: Command, invalid: Callable[[str], Refused]) -> None:
    level, target = command.escalation_level, command.to_department
    if level is None or level not in ESCALATION_LEVELS:
        raise invalid("'escalate' needs a ladder level from 1 to 3")
    if level <= case.escalation_level:
        raise invalid(f"the case is already escalated to level {case.escalation_level}")
    if command.escalated_to_role not in ESCALATION_ROLES:
        raise invalid("'escalate' needs the role whose queue receives the case")
    if target is None:
        raise invalid("'escalate' needs the department that handles the level")
    if case.excluded_department in (target.code, *command.to_department_part_of):
        raise invalid("the request is a complaint about that department")


def _apply(case: Case, command: Command, actor: Actor, target: State | None, now: datetime) -> Case:
    action = command.action
    new = replace(case, version=case.version + 1, updated_at=now, state=target or case.state)
    if action is Action.CLAIM and isinstance(actor, StaffActor):
        new = replace(new, assignee=actor.staff_id)
    elif action is Action.ASSIGN:
        new = replace(new, assignee=command.assignee)
    elif action is Action.TRANSFER and command.to_department is not None:
        new = replace(
            new, department=command.to_department, assignee=None, transfers=case.transfers + 1
        )
    elif action is Action.CHANGE_PRIORITY and command.priority is not None:
        new = replace(new, priority=command.priority)
    elif action is Action.ESCALATE and command.escalation_level is not None:
        new = _escalated(new, command)
    elif action is Action.RESOLVE:
        new = replace(new, resolved_at=now)
    elif action in (Action.DISPUTE, Action.REOPEN):
        new = replace(new, reopened=case.reopened + 1, resolved_at=None, closed_at=None)
    if new.state is not case.state and new.state in ENDED:
        new = replace(new, closed_at=now)
    return new


def _escalated(case: Case, command: Command) -> Case:
    new = replace(
        case,
        escalation_level=command.escalation_level or case.escalation_level,
        escalated_to_role=command.escalated_to_role,
    )
    target = command.to_department
    if target is None or target.code == case.department.code:
        return new  # the assignee keeps it; the level's role sees it escalated
    return replace(new, department=target, assignee=None, state=State.ROUTED)


def _given(text: str | None) -> bool:
    """Blank text is no reason and no summary: a citizen cannot read whitespace."""
    return bool(text and text.strip())


def _event(old: Case, new: Case, command: Command, actor: Actor, now: datetime) -> CaseChanged:
    fields = _change_fields(old, new, command, actor, now)
    if command.action is Action.ESCALATE:
        # Its own type, so subscribers know delay became an escalation; still a case
        # change (a subclass), so every reader of CaseChanged reads it as one.
        return CaseEscalated(
            **fields,
            escalation_level=new.escalation_level,
            escalated_to_role=new.escalated_to_role or "",
            escalated_to_department=new.department.code,
        )
    return CaseChanged(**fields)


def _change_fields(
    old: Case, new: Case, command: Command, actor: Actor, now: datetime
) -> dict[str, Any]:
    return dict(
        request_id=new.request_id,
        case_version=new.version,
        action=command.action.value,
        from_state=old.state.value,
        to_state=new.state.value,
        department_code=new.department.code,
        department_name=new.department.name,
        assignee=new.assignee,
        priority=new.priority.value,
        transfers=new.transfers,
        reopened=new.reopened,
        actor=event_actor(actor),
        reason=command.reason,
        public_note=command.public_note,
        internal_note=command.internal_note,
        message_id=command.message_id,
        occurred_at=now,
    )


def event_actor(actor: Actor) -> EventActor:
    if isinstance(actor, StaffActor):
        return EventActor(
            kind="staff",
            staff_id=actor.staff_id,
            role=actor.acting_role,
            department=actor.department,
        )
    return EventActor(kind="citizen" if isinstance(actor, CitizenActor) else "system")
