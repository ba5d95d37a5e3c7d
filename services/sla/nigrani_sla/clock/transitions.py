"""How lifecycle events move a request's SLA clock: pure functions of the record and the
event, so every rule is unit-tested without a store or a broker.

The clock starts at submission, pauses only in awaiting_citizen, resumes when the citizen
answers, stops at resolved, rejected or closed, and a reopen resumes the same clock.
Nothing else moves it: a note, a transfer or a reassignment changes who is responsible,
never how much time is left (DIGIT measures from the last modification, so any comment
resets its clock; ours cannot be reset). Times come from the events (when the citizen or
the officer acted), not from when the SLA service read them, so a replay or a late
consumer computes the same due times.

Two things do set new due times without moving the clock: routing (the department's
calendar and the priority become known, both measured from the same submission) and a
priority change (the policy's targets change; the elapsed time stands).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nigrani_shared.events import (
    CaseChanged,
    RequestRouted,
    RequestRoutedV1,
    RequestSubmitted,
    RequestSubmittedV1,
    RequestSubmittedV2,
)

from nigrani_sla.calendar.business import BusinessCalendar
from nigrani_sla.calendar.loader import Calendars
from nigrani_sla.clock.record import SUBMITTED, ClockRecord
from nigrani_sla.policies.model import PolicyBook

DEFAULT_PRIORITY = "normal"
PAUSED_STATE = "awaiting_citizen"
STOPPED_STATES = frozenset({"resolved", "rejected", "closed", "closed_unconfirmed"})
# Staff actions the citizen experiences as a response: a person took the request up,
# asked them something, or decided it. A transfer or an internal note is not one.
RESPONSES = frozenset({"claim", "assign", "start", "request_information", "resolve", "reject"})

AnySubmitted = RequestSubmitted | RequestSubmittedV2 | RequestSubmittedV1


@dataclass(frozen=True)
class Rules:
    calendars: Calendars
    policies: PolicyBook


@dataclass(frozen=True)
class Change:
    """The record after an event; `cause` is set when its due times were set anew (a new
    generation, announced by sla.deadline_set)."""

    record: ClockRecord
    cause: str | None


def started(data: AnySubmitted, rules: Rules) -> ClockRecord:
    """A new clock, running from the submission, on the default calendar and priority
    until routing says which department and priority apply."""
    calendar = rules.calendars.default
    record = ClockRecord(
        request_id=data.request_id,
        category=data.category,
        priority=DEFAULT_PRIORITY,
        department_code=None,
        calendar=calendar.name,
        policy_id="",
        first_response_target_seconds=0.0,
        resolution_target_seconds=0.0,
        submitted_at=data.submitted_at,
        running_since=data.submitted_at,
    )
    return _with_dues(_with_policy(record, rules), rules, data.submitted_at)


def routed(record: ClockRecord, data: RequestRouted | RequestRoutedV1, rules: Rules) -> Change:
    """`request.routed.v1` (still retained on the topic) carries no priority: the
    clock keeps its own."""
    calendar = rules.calendars.for_department(data.department_code)
    moved = record.evolve(
        department_code=data.department_code,
        calendar=calendar.name,
        priority=data.priority if isinstance(data, RequestRouted) else record.priority,
        routed_at=data.routed_at,
        state="routed",
        case_version=1,
    )
    # Routing comes before any pause: the whole time since submission is re-measured on
    # the department's calendar.
    if moved.running_since is not None:
        moved = moved.evolve(banked_seconds=0.0, running_since=record.submitted_at)
    return _renewed(record, _with_dues(_with_policy(moved, rules), rules, data.routed_at), "routed")


def case_changed(record: ClockRecord, data: CaseChanged, rules: Rules) -> Change:
    calendar = rules.calendars.named(record.calendar)
    at = data.occurred_at
    moved = record.evolve(
        case_version=data.case_version,
        state=data.to_state,
        department_code=data.department_code,
        escalation_level=max(record.escalation_level, getattr(data, "escalation_level", 0)),
    )
    if data.actor.kind == "staff":
        moved = moved.evolve(last_staff_action_at=at)
    cause: str | None = None
    if record.first_response_at is None and _is_response(data):
        moved, cause = moved.evolve(first_response_at=at), "responded"
    if data.priority != record.priority:
        moved, cause = _with_policy(moved.evolve(priority=data.priority), rules), "priority_changed"
    was_stopped = record.stopped_at is not None
    if data.to_state in STOPPED_STATES:
        if not was_stopped:
            moved = _stop(moved, calendar, at).evolve(
                stopped_at=at, first_stopped_at=record.first_stopped_at or at
            )
            cause = "stopped"
    elif was_stopped:  # a reopen (or a dispute) resumes the same clock
        moved, cause = moved.evolve(stopped_at=None, running_since=at), "reopened"
        if data.to_state == PAUSED_STATE:
            moved = _stop(moved, calendar, at)
    elif data.to_state == PAUSED_STATE and record.running_since is not None:
        moved, cause = _stop(moved, calendar, at), "paused"
    elif data.to_state != PAUSED_STATE and record.running_since is None:
        moved, cause = moved.evolve(running_since=at), "resumed"
    if cause is None:
        return Change(moved, None)
    return _renewed(record, _with_dues(moved, rules, at), cause)


def elapsed_at(record: ClockRecord, calendar: BusinessCalendar, moment: datetime) -> float:
    """Business seconds on the clock at `moment`."""
    if record.running_since is None:
        return record.banked_seconds
    return record.banked_seconds + calendar.between(record.running_since, moment)


def _is_response(data: CaseChanged) -> bool:
    return data.actor.kind == "staff" and (data.action in RESPONSES or bool(data.public_note))


def _stop(record: ClockRecord, calendar: BusinessCalendar, at: datetime) -> ClockRecord:
    """Banks the time run so far; the clock stands still from `at`."""
    if record.running_since is None:
        return record
    return record.evolve(banked_seconds=elapsed_at(record, calendar, at), running_since=None)


def _with_policy(record: ClockRecord, rules: Rules) -> ClockRecord:
    calendar = rules.calendars.named(record.calendar)
    policy = rules.policies.policy_for(record.category, record.priority)
    return record.evolve(
        policy_id=policy.id,
        first_response_target_seconds=policy.first_response.business_seconds(calendar),
        resolution_target_seconds=policy.resolution.business_seconds(calendar),
    )


def _with_dues(record: ClockRecord, rules: Rules, at: datetime) -> ClockRecord:
    calendar = rules.calendars.named(record.calendar)
    first_response_due = (
        None
        if record.first_response_at is not None
        else _due(
            record, calendar, record.first_response_target_seconds, record.first_response_due_at, at
        )
    )
    resolution_due = _due(
        record, calendar, record.resolution_target_seconds, record.resolution_due_at, at
    )
    return record.evolve(first_response_due_at=first_response_due, resolution_due_at=resolution_due)


def _due(
    record: ClockRecord,
    calendar: BusinessCalendar,
    target: float,
    known: datetime | None,
    at: datetime,
) -> datetime | None:
    """When the clock reaches `target`, as of the event at `at`. A due time already passed
    is history and stays (a tighter target already exceeded is due at once); while the
    clock stands still a due time not yet reached is unknown, except that a stopped clock
    keeps the one it stopped with (compliance is judged against it)."""
    if target <= record.banked_seconds:
        anchor = record.running_since or at
        return anchor if known is None else min(known, anchor)
    if record.running_since is None:
        return known if record.stopped_at is not None else None
    return calendar.add(record.running_since, target - record.banked_seconds)


def _renewed(before: ClockRecord, after: ClockRecord, cause: str) -> Change:
    """A new generation only when the due times, the clock's running state, or what its
    timers are planned from (the policy's warning share and ladder, the calendar) changed:
    the keeper plans timers only for a new generation, and an old generation's timers
    would keep firing on the old ladder."""
    if (
        after.first_response_due_at == before.first_response_due_at
        and after.resolution_due_at == before.resolution_due_at
        and after.paused == before.paused
        and after.open == before.open
        and after.policy_id == before.policy_id
        and after.calendar == before.calendar
    ):
        return Change(after, None)
    return Change(after.evolve(generation=before.generation + 1), cause)


__all__ = ["SUBMITTED", "Change", "Rules", "case_changed", "elapsed_at", "routed", "started"]
