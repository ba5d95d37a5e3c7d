"""The public timeline read from case changes: order by case version, the current state,
the department after a transfer, the last resolution, and public notes only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from nigrani_intake.catalog.service import load_catalog
from nigrani_intake.handlers import case_change_entry
from nigrani_intake.submissions import timeline
from nigrani_intake.submissions.public_view import to_public_view
from nigrani_intake.submissions.schemas import RequestPublic

from tests.support.events import STAFF_CANARIES, case_changed, case_escalated

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CODE = "ABCD-EFGH-JKMN"


def _public(request: dict[str, Any]) -> RequestPublic:
    """The view of a request whose timeline is all on the request (the older layout)."""
    return to_public_view(request, load_catalog(), entries=timeline.ordered(request["timeline"]))


def _request(*changes: Any) -> dict[str, Any]:
    entries: dict[str, Any] = {
        "s": {"status": "submitted", "at": AT},
        "r": {
            "status": "routed",
            "at": AT + timedelta(seconds=1),
            "department_code": "WASA-LHR",
            "department_name": "Water and Sanitation Agency Lahore",
        },
    }
    for envelope in changes:
        entries[envelope.id] = case_change_entry(envelope.data)
    return {
        "_id": CODE,
        "category": "water.no_supply",
        "sensitive": False,
        "location": None,
        "submitted_at": AT,
        "timeline": entries,
    }


def test_the_highest_case_version_is_the_state_whatever_the_clocks_say() -> None:
    newer = case_changed(CODE, version=3, to_state="resolved", occurred_at=AT + timedelta(1))
    older = case_changed(CODE, version=2, to_state="in_progress", occurred_at=AT + timedelta(2))
    case = timeline.current(timeline.ordered(_request(newer, older)["timeline"]))
    assert case.state == "resolved"
    assert case.resolved_at == AT + timedelta(1)


def test_two_events_of_one_case_version_are_one_change() -> None:
    first = case_changed(CODE, version=2, to_state="assigned")
    again = first.model_copy(update={"id": "another-id"})
    request = _request(first)
    request["timeline"][again.id] = case_change_entry(again.data)  # type: ignore[arg-type]
    assert [e["status"] for e in timeline.ordered(request["timeline"])] == [
        "submitted",
        "routed",
        "assigned",
    ]


def test_the_department_follows_a_transfer() -> None:
    transfer = case_changed(
        CODE,
        version=2,
        to_state="routed",
        department_code="LWMC",
        department_name="Lahore Waste Management Company",
        occurred_at=AT + timedelta(hours=1),
    )
    view = _public(_request(transfer))
    assert view.department is not None
    assert view.department.code == "LWMC"
    assert view.timeline[-1].detail == "Routed to Lahore Waste Management Company"


def test_the_public_note_or_the_standard_text_and_never_a_staff_field() -> None:
    noted = case_changed(
        CODE, version=2, to_state="assigned", public_note="A crew comes on Monday", occurred_at=AT
    )
    plain = case_changed(CODE, version=3, to_state="awaiting_citizen", occurred_at=AT)
    view = _public(_request(noted, plain))
    assert [e.detail for e in view.timeline[-2:]] == [
        "A crew comes on Monday",
        "Waiting for more information from the citizen",
    ]
    assert view.status == "awaiting_citizen"
    stored_and_shown = str(_request(noted, plain)) + view.model_dump_json()
    for canary in STAFF_CANARIES:
        assert canary not in stored_and_shown, canary


def test_a_change_the_public_cannot_see_and_without_a_note_is_left_out() -> None:
    assigned = case_changed(CODE, version=2, to_state="assigned", occurred_at=AT)
    reprioritised = case_changed(
        CODE, version=3, to_state="assigned", from_state="assigned", occurred_at=AT
    )
    view = _public(_request(assigned, reprioritised))
    assert [e.status for e in view.timeline] == ["submitted", "routed", "assigned"]


def test_an_escalation_is_shown_with_its_level_and_role_even_in_the_same_state() -> None:
    """The case stays where it was (routed) but moved up the ladder: the public sees it."""
    first = case_escalated(CODE, version=2, level=1, role="supervisor", occurred_at=AT)
    second = case_escalated(CODE, version=3, level=2, role="dept_admin", occurred_at=AT)
    view = _public(_request(first, second))
    shown = [(e.status, e.escalation, e.detail) for e in view.timeline[-2:]]
    assert [(status, esc.level, esc.role) for status, esc, _ in shown if esc] == [
        ("routed", 1, "supervisor"),
        ("routed", 2, "head_of_department"),
    ]
    assert [detail for _, _, detail in shown] == [
        "Overdue: escalated to a supervisor at Water and Sanitation Agency Lahore (level 1)",
        "Overdue: escalated to the head of Water and Sanitation Agency Lahore (level 2)",
    ]
    assert view.timeline[1].escalation is None
    stored_and_shown = str(_request(first, second)) + view.model_dump_json()
    for canary in STAFF_CANARIES:
        assert canary not in stored_and_shown, canary


def test_an_escalation_to_a_role_the_view_does_not_know_is_named_neutrally() -> None:
    odd = case_escalated(CODE, version=2, level=4, role="minister-office-x", public_note="")
    view = _public(_request(odd))
    escalation = view.timeline[-1].escalation
    assert escalation is not None
    assert (escalation.level, escalation.role) == (4, "higher_office")
    assert "minister" not in view.model_dump_json()
