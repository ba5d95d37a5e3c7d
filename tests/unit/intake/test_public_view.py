from datetime import UTC, datetime, timedelta
from typing import Any

from nigrani_intake.catalog.service import load_catalog
from nigrani_intake.delay.deadline import fold
from nigrani_intake.submissions import timeline
from nigrani_intake.submissions.public_view import to_public_view
from nigrani_intake.submissions.schemas import RequestPublic

SUBMITTED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _public(request: dict[str, Any]) -> RequestPublic:
    """The view of a request whose timeline is all on the request (the older layout)."""
    return to_public_view(request, load_catalog(), entries=timeline.ordered(request["timeline"]))


def _request(category: str, sensitive: bool) -> dict[str, object]:
    return {
        "_id": "ABCD-EFGH-JKMN",
        "category": category,
        "sensitive": sensitive,
        "description": "My neighbour Bilal at house 7 has no water",
        "location": {
            "lat": 31.5204,
            "lon": 74.3587,
            "address": "7 Canal View",
            "district": "Lahore",
        },
        "contact": {"name": "Ayesha Khan", "phone": "+923001234567", "email": "ayesha@example.pk"},
        "submitted_at": SUBMITTED_AT,
        "timeline": {
            "e2": {
                "status": "routed",
                "at": SUBMITTED_AT + timedelta(seconds=2),
                "department_code": "WASA-LHR",
                "department_name": "Water and Sanitation Agency Lahore",
            },
            "e1": {"status": "submitted", "at": SUBMITTED_AT},
        },
    }


def test_the_latest_event_gives_the_status_and_the_department() -> None:
    view = _public(_request("water.no_supply", False))
    assert view.status == "routed"
    assert view.status_text == "Routed to Water and Sanitation Agency Lahore"
    assert view.department is not None
    assert view.department.code == "WASA-LHR"
    assert [entry.status for entry in view.timeline] == ["submitted", "routed"]


def test_no_personal_data_appears_in_the_public_view() -> None:
    text = _public(_request("water.no_supply", False)).model_dump_json()
    for secret in ("Ayesha", "923001234567", "example.pk", "Bilal", "31.5204", "74.3587"):
        assert secret not in text


def test_a_sensitive_category_hides_the_address_too() -> None:
    normal = _public(_request("water.no_supply", False))
    sensitive = _public(_request("police.harassment", True))
    assert normal.address == "7 Canal View"
    assert sensitive.address is None
    assert "Canal View" not in sensitive.model_dump_json()


def test_a_status_not_on_the_allow_list_is_never_shown_verbatim() -> None:
    """A newer event may record a status (or, by mistake, free text) the public view does
    not know: it is shown as a neutral update, not repeated."""
    request = _request("water.no_supply", False)
    timeline = request["timeline"]
    assert isinstance(timeline, dict)
    timeline["e3"] = {"status": "note: call Ayesha on 0300", "at": SUBMITTED_AT + timedelta(1)}
    view = _public(request)
    assert (view.status, view.status_text) == ("updated", "Updated")
    assert "Ayesha" not in view.model_dump_json()


def test_the_department_a_complaint_concerns_is_hidden_for_sensitive_categories() -> None:
    normal_request = {**_request("water.no_supply", False), "concerns_department": "WASA-LHR"}
    sensitive_request = {**_request("police.harassment", True), "concerns_department": "ACE"}
    sensitive_request["timeline"] = {"e1": {"status": "submitted", "at": SUBMITTED_AT}}
    assert _public(normal_request).concerns_department == "WASA-LHR"
    sensitive = _public(sensitive_request)
    assert sensitive.concerns_department is None
    assert "ACE" not in sensitive.model_dump_json()


def test_the_view_says_when_the_request_is_due_and_how_late_it_is() -> None:
    request = _request("water.no_supply", False)
    due = SUBMITTED_AT + timedelta(days=2)
    deadline = fold(
        None,
        [
            {
                "kind": "generation",
                "generation": 1,
                "first_response_due_at": SUBMITTED_AT + timedelta(hours=4),
                "resolution_due_at": due,
                "paused": False,
                "stopped": False,
                "set_at": SUBMITTED_AT,
            }
        ],
    )
    entries = timeline.ordered(request["timeline"])  # type: ignore[arg-type]
    view = to_public_view(
        request, load_catalog(), entries=entries, deadline=deadline, now=due + timedelta(hours=1)
    )
    assert (view.due_at, view.paused, view.overdue, view.overdue_by_seconds) == (
        due,
        False,
        True,
        3600,
    )
    assert view.first_response_due_at == SUBMITTED_AT + timedelta(hours=4)
    without = _public(request)
    assert (without.due_at, without.overdue, without.overdue_by_seconds) == (None, False, None)
