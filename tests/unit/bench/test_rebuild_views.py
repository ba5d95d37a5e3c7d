"""The rebuild bench's verdict: a rebuilt public view that is missing or differs in any
field, or a read-model collection of another size, is reported."""

from __future__ import annotations

from typing import Any

from bench.rebuild_views import differences, same_sizes, statuses


def _view(code: str, status: str = "routed", entries: int = 2) -> dict[str, Any]:
    return {
        "tracking_code": code,
        "status": status,
        "department": {"code": "WASA-LHR", "name": "WASA"} if status == "routed" else None,
        "timeline": [{"status": "submitted"}, {"status": "routed"}][:entries],
    }


def test_equal_views_give_no_difference() -> None:
    views = {code: _view(code) for code in ("A", "B")}

    assert differences(views, {code: dict(view) for code, view in views.items()}) == []


def test_a_view_missing_or_changed_after_the_rebuild_is_named_with_its_fields() -> None:
    before = {code: _view(code) for code in ("A", "B", "C")}
    after = {"A": _view("A"), "C": _view("C", status="submitted", entries=1)}

    assert differences(before, after) == [
        "B: no view after the rebuild",
        "C: department, status, timeline differ",
    ]


def test_a_field_only_the_rebuilt_view_has_is_a_difference() -> None:
    before = {"A": _view("A")}
    after = {"A": {**_view("A"), "overdue_by_seconds": 5}}

    assert differences(before, after) == ["A: overdue_by_seconds differ"]


def test_sizes_must_match_collection_by_collection() -> None:
    before = {"timeline": 10, "deadlines": 4, "notifications": 0}

    assert same_sizes(before, dict(before)) == []
    assert same_sizes(before, {"timeline": 9, "deadlines": 4}) == [
        "timeline: 10 documents before, 9 after"
    ]


def test_statuses_are_counted() -> None:
    views = {"A": _view("A"), "B": _view("B"), "C": _view("C", status="submitted")}

    assert statuses(views) == {"routed": 2, "submitted": 1}
