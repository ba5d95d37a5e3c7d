"""Random histories: whatever anyone asks, in whatever order and at whatever time, the case
moves one version at a time and only along the issue's paths."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from nigrani_routing.cases.commands import Action, Command
from nigrani_routing.cases.model import Actor, Case, Priority, StaffActor, State
from nigrani_routing.cases.workflow import Change, Refusal, Refused, allowed_actions, decide

from tests.unit.routing.workflow_support import (
    ACCUSED,
    ASSIGNEE,
    CITIZEN,
    COLLEAGUE,
    DEPT_ADMIN,
    HOME,
    OPEN,
    OTHER,
    OVERSIGHT,
    RESOLVED_AT,
    SUPERVISING_ROLES,
    SUPERVISOR,
    SYSTEM,
    WINDOWS,
    case_in,
)

ACTORS: list[Actor] = [ASSIGNEE, COLLEAGUE, SUPERVISOR, DEPT_ADMIN, OVERSIGHT, CITIZEN, SYSTEM]
ENDED = (State.CLOSED, State.CLOSED_UNCONFIRMED, State.REJECTED)
# Mostly well-formed commands, so that histories get far; the rest test the refusals.
TEXT = st.sampled_from(["because", "because", "because", None, "", " "])


@dataclass(frozen=True)
class Step:
    action: Action
    actor: Actor
    command: Command


def _command(action: Action) -> st.SearchStrategy[Command]:
    return st.builds(
        Command,
        action=st.just(action),
        reason=TEXT,
        public_note=TEXT,
        internal_note=TEXT,
        assignee=st.sampled_from([ASSIGNEE.staff_id, COLLEAGUE.staff_id, None]),
        to_department=st.sampled_from([OTHER, HOME, OTHER, HOME, ACCUSED, None]),
        priority=st.sampled_from([*Priority, None]),
        escalation_level=st.sampled_from([1, 2, 3, 0, None]),
        escalated_to_role=st.sampled_from(["supervisor", "dept_admin", "oversight", None]),
    )


WAITS = st.sampled_from([timedelta(hours=hours) for hours in (0, 1, 8, 24, 24 * 7, 24 * 15)])


# D1 makes allowed_actions recurse; at varying stack depths hypothesis may report that as
@settings(max_examples=120, deadline=None, report_multiple_bugs=False)
@given(st.data())
def test_random_histories_keep_every_rule(data: st.DataObject) -> None:
    case = case_in(State.ROUTED, version=1)
    now = RESOLVED_AT
    for _ in range(data.draw(st.integers(min_value=1, max_value=60))):
        actor = data.draw(st.sampled_from(ACTORS))
        now += data.draw(WAITS)
        allowed = allowed_actions(case, actor, now, WINDOWS)
        # Half the time an action the actor is offered, so histories get far (a rejection
        # ends a history, so it is only ever tried at random).
        offered = [Action(value) for value in allowed if value != Action.REJECT]
        lawful = bool(offered) and data.draw(st.booleans())
        action = data.draw(st.sampled_from(offered if lawful else list(Action)))
        step = Step(action=action, actor=actor, command=data.draw(_command(action)))
        change = _outcome(case, step.command, actor, now)
        if isinstance(change, Refused):
            assert change.state is case.state
            if change.kind is not Refusal.INVALID:
                assert action.value not in change.allowed
                assert change.allowed == allowed
            continue
        assert action.value in allowed
        _assert_a_lawful_step(case, change.case, step, now)
        assert change.event.case_version == change.case.version
        assert (change.event.from_state, change.event.to_state) == (
            case.state.value,
            change.case.state.value,
        )
        case = change.case


def _outcome(case: Case, command: Command, actor: Actor, now: datetime) -> Change | Refused:
    try:
        return decide(case, command, actor, now, WINDOWS)
    except Refused as refused:
        return refused


def _assert_a_lawful_step(old: Case, new: Case, step: Step, now: datetime) -> None:
    action, actor = step.action, step.actor
    assert new.version == old.version + 1
    if old.state in OPEN and new.state not in OPEN:
        assert action in (Action.RESOLVE, Action.REJECT)
    if new.state is State.RESOLVED and old.state is not State.RESOLVED:
        assert step.command.public_note
    if old.state in ENDED and new.state is not old.state:
        assert (action, actor) == (Action.REOPEN, CITIZEN)
        assert old.resolved_at is not None
        assert now <= old.resolved_at + WINDOWS.reopen
    if new.state is State.CLOSED and old.state is not State.CLOSED:
        assert (action, actor) == (Action.CONFIRM, CITIZEN)
    if new.state is State.CLOSED_UNCONFIRMED and old.state is not State.CLOSED_UNCONFIRMED:
        assert (action, actor) == (Action.LAPSE_CONFIRMATION, SYSTEM)
    if new.state is State.REJECTED and old.state is not State.REJECTED:
        assert isinstance(actor, StaffActor)
        assert actor.roles & set(SUPERVISING_ROLES)
        assert step.command.reason
    if new.transfers != old.transfers:
        assert action is Action.TRANSFER
        assert new.transfers == old.transfers + 1
        assert new.department.code not in (old.department.code, ACCUSED.code)
        if old.transfers >= 2:
            assert isinstance(actor, StaffActor)
            assert actor.roles & set(SUPERVISING_ROLES)
    if new.escalation_level != old.escalation_level:
        assert (action, actor) == (Action.ESCALATE, SYSTEM)
        assert new.escalation_level > old.escalation_level
        assert old.state in OPEN
    if new.department != old.department:
        assert action in (Action.TRANSFER, Action.ESCALATE)
        assert new.department.code != ACCUSED.code
        assert new.assignee is None
    assert old.state is not State.REJECTED or new.state is State.REJECTED
    assert (new.resolved_at is not None) == (new.state in (State.RESOLVED, *ENDED[:2]))
    assert (new.closed_at is not None) == (new.state in ENDED)
