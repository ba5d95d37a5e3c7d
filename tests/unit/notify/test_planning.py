"""Who hears what: the planner's rules, with a directory written out in the test."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from nigrani_notify.cases import CaseView, after_case_changed, after_submitted
from nigrani_notify.messages import Language
from nigrani_notify.planning import Links, Planned, Planner
from nigrani_shared.events import (
    Actor,
    CaseChanged,
    CaseEscalated,
    RequestRouted,
    RequestSubmitted,
    SlaBreached,
    SlaWarning,
)

AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
KARACHI = ZoneInfo("Asia/Karachi")


@dataclass(frozen=True)
class Person:
    staff_id: str
    email: str | None = None
    phone: str | None = None
    language: Language = "en"


class Directory:
    people: ClassVar[dict[str, Person]] = {
        "officer-1": Person("officer-1", email="o1@example.gov.pk"),
        "officer-2": Person("officer-2", email="o2@example.gov.pk", phone="+923001234567"),
        "sup-1": Person("sup-1", email="s1@example.gov.pk", language="ur"),
        "head-1": Person("head-1", phone="+923007654321"),
        "ombud-1": Person("ombud-1", email="om@example.gov.pk"),
    }
    roles: ClassVar[dict[tuple[str, str], list[str]]] = {
        ("WASA", "supervisor"): ["sup-1"],
        ("WASA", "dept_admin"): ["head-1"],
        ("OMBUDSMAN", "oversight"): ["ombud-1", "nobody-known"],
    }

    def staff(self, staff_id: str) -> Person | None:
        return self.people.get(staff_id)

    def holding_role(self, department_code: str, role: str) -> list[Person]:
        ids = self.roles.get((department_code, role), [])
        return [self.people[i] for i in ids if i in self.people]

    def time_zone(self, department_code: str | None) -> ZoneInfo:
        return KARACHI


PLANNER = Planner(
    Directory(),
    Links(
        status_url="https://n.example/r/{tracking_code}",
        case_url="https://staff.example/c/{tracking_code}",
        confirmation_window=timedelta(days=14),
    ),
)
WORKING = CaseView(
    request_id="NGR-1",
    category="water_supply",
    priority="normal",
    department_code="WASA",
    department_name="Water",
    state="assigned",
    assignee="officer-1",
    case_version=2,
    citizen_reachable=True,
)


def submitted(*, anonymous: bool = False, has_contact: bool = True) -> RequestSubmitted:
    return RequestSubmitted(
        request_id="NGR-1",
        category="water_supply",
        place=None,
        channel="web",
        sensitive=False,
        anonymous=anonymous,
        has_contact=has_contact,
        submitted_at=AT,
    )


def changed(
    version: int,
    action: str,
    from_state: str,
    to_state: str,
    *,
    assignee: str | None = "officer-1",
    actor: str | None = "sup-1",
    public_note: str | None = None,
) -> CaseChanged:
    return CaseChanged(
        request_id="NGR-1",
        case_version=version,
        action=action,
        from_state=from_state,
        to_state=to_state,
        department_code="WASA",
        department_name="Water",
        assignee=assignee,
        priority="normal",
        transfers=0,
        reopened=0,
        actor=Actor(kind="staff", staff_id=actor, role="supervisor"),
        reason=None,
        public_note=public_note,
        internal_note="staff only: never in a message",
        message_id=None,
        occurred_at=AT,
    )


def kinds(planned: list[Planned]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(item.kind, item.recipient, item.channels) for item in planned]


def test_a_submission_with_contact_tells_the_citizen_on_every_channel() -> None:
    planned = PLANNER.plan(submitted(), CaseView(request_id="NGR-1", citizen_reachable=True))
    assert kinds(planned) == [("received", "citizen", ("email", "sms"))]
    context = planned[0].context
    assert context["tracking_code"] == "NGR-1"
    assert context["status_url"] == "https://n.example/r/NGR-1"


@pytest.mark.parametrize(("anonymous", "has_contact"), [(True, False), (False, False)])
def test_an_anonymous_or_contactless_request_tells_the_citizen_nothing_ever(
    anonymous: bool, has_contact: bool
) -> None:
    view = after_submitted(
        CaseView(request_id="NGR-1"), submitted(anonymous=anonymous, has_contact=has_contact)
    )
    assert view.citizen_reachable is False
    event = submitted(anonymous=anonymous, has_contact=has_contact)
    assert PLANNER.plan(event, CaseView(request_id="NGR-1")) == []  # the event alone says so
    resolved = changed(3, "resolve", "in_progress", "resolved")
    assert [p for p in PLANNER.plan(resolved, view) if p.audience == "citizen"] == []


def test_routing_names_the_department() -> None:
    routed = RequestRouted(
        request_id="NGR-1",
        category="water_supply",
        district=None,
        department_code="WASA",
        department_name="Water",
        rule_id="r",
        rule_set_version="v",
        areas=(),
        conflict_of_interest=False,
        priority="normal",
        routed_at=AT,
    )
    (planned,) = PLANNER.plan(routed, CaseView(request_id="NGR-1", citizen_reachable=True))
    assert planned.kind == "routed"
    assert planned.context["department_name"] == "Water"


def test_asking_the_citizen_carries_the_public_note_never_the_internal_one() -> None:
    asked = changed(
        3, "request_information", "in_progress", "awaiting_citizen", public_note="Meter no.?"
    )
    (planned,) = PLANNER.plan(asked, replace(WORKING, state="in_progress"))
    assert planned.kind == "awaiting_information"
    assert planned.context["public_note"] == "Meter no.?"
    assert "staff only" not in str(planned.context)


def test_a_resolution_says_until_when_it_can_be_confirmed_or_disputed() -> None:
    resolved = changed(3, "resolve", "in_progress", "resolved", public_note="Fixed")
    (planned,) = PLANNER.plan(resolved, WORKING)
    assert planned.kind == "resolved"
    assert planned.context["confirm_by"] == "12 Dec 2026"


@pytest.mark.parametrize(
    ("action", "from_state", "to_state", "kind"),
    [
        ("reopen", "resolved", "in_progress", "reopened"),
        ("confirm", "resolved", "closed", "closed"),
        ("lapse_confirmation", "resolved", "closed_unconfirmed", "closed"),
        ("reject", "assigned", "rejected", "closed"),
    ],
)
def test_reopening_and_closing_tell_the_citizen(
    action: str, from_state: str, to_state: str, kind: str
) -> None:
    planned = PLANNER.plan(changed(3, action, from_state, to_state, actor=None), WORKING)
    assert [item.kind for item in planned if item.audience == "citizen"] == [kind]


def test_an_assignment_tells_the_assignee_unless_they_took_it_themselves() -> None:
    view = replace(WORKING, state="routed", assignee=None, case_version=1)
    by_supervisor = changed(2, "assign", "routed", "assigned", assignee="officer-2")
    assert kinds(PLANNER.plan(by_supervisor, view)) == [
        ("staff_assigned", "staff:officer-2", ("email", "sms"))
    ]
    claimed = changed(2, "claim", "routed", "assigned", assignee="officer-2", actor="officer-2")
    assert PLANNER.plan(claimed, view) == []


def test_a_change_already_applied_plans_nothing() -> None:
    again = changed(2, "resolve", "in_progress", "resolved")
    assert PLANNER.plan(again, WORKING) == []
    assert after_case_changed(WORKING, again) == WORKING


def test_an_sla_warning_goes_to_the_assignee_a_breach_also_to_supervisors_and_the_citizen() -> None:
    common = {
        "request_id": "NGR-1",
        "target": "resolution",
        "due_at": AT,
        "department_code": "WASA",
        "category": "water_supply",
        "priority": "normal",
        "fired_at": AT,
    }
    warning = PLANNER.plan(SlaWarning(**common), WORKING)
    assert kinds(warning) == [("staff_sla_warning", "staff:officer-1", ("email",))]
    assert warning[0].context["due_at"] == "28 Nov 2026 14:00 PKT"
    breach = PLANNER.plan(SlaBreached(**common), WORKING)
    assert kinds(breach) == [
        ("staff_sla_breached", "staff:officer-1", ("email",)),
        ("staff_sla_breached", "staff:sup-1", ("email",)),
        ("overdue", "citizen", ("email", "sms")),
    ]
    first_response = PLANNER.plan(SlaBreached(**{**common, "target": "first_response"}), WORKING)
    assert [item.audience for item in first_response] == ["staff", "staff"]
    unassigned = replace(WORKING, state="routed", assignee=None)
    assert kinds(PLANNER.plan(SlaWarning(**common), unassigned)) == [
        ("staff_sla_warning", "staff:sup-1", ("email",))
    ]


def test_an_escalation_tells_the_citizen_and_the_level_that_receives_it() -> None:
    base = changed(3, "escalate", "assigned", "routed", assignee=None, actor=None)
    escalated = CaseEscalated(
        **{
            **base.model_dump(),
            "department_code": "OMBUDSMAN",
            "department_name": "Ombudsman",
            "escalation_level": 3,
            "escalated_to_role": "oversight",
            "escalated_to_department": "OMBUDSMAN",
        }
    )
    planned = PLANNER.plan(escalated, WORKING)
    assert kinds(planned) == [
        ("escalated", "citizen", ("email", "sms")),
        ("staff_escalated", "staff:ombud-1", ("email",)),
    ]
    assert planned[0].context["department_name"] == "Ombudsman"
    assert planned[1].context["level"] == 3
    assert planned[1].context["role"] == "oversight"


def test_the_waiting_reminder_counts_whole_hours() -> None:
    (planned,) = PLANNER.waiting(WORKING, "officer-1", timedelta(hours=49, minutes=59))
    assert (planned.kind, planned.recipient, planned.context["waiting_hours"]) == (
        "staff_waiting",
        "staff:officer-1",
        49,
    )
