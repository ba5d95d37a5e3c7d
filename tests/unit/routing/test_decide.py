"""`decide`: areas against districts, most-specific-wins, and conflict of interest."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nigrani_routing.rules.areas import Area, AreaIndex
from nigrani_routing.rules.book import RuleBook
from nigrani_routing.rules.categories import category_score
from nigrani_routing.rules.loader import load_book
from nigrani_routing.rules.matching import (
    CONFLICT_RULE_ID,
    TRIAGE_RULE_ID,
    RoutingInput,
    decide,
)
from nigrani_routing.rules.schemas import RuleSet
from nigrani_shared.text import comparison_key as district_key
from pydantic import ValidationError
from shapely.geometry import Polygon

AREAS = AreaIndex(
    [
        Area("dist", "District", "district", Polygon([(0, 0), (4, 0), (4, 4), (0, 4)])),
        Area("teh", "Tehsil", "tehsil", Polygon([(0, 0), (2, 0), (2, 2), (0, 2)])),
        Area("town", "Town", "town", Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])),
    ]
)
DEPARTMENTS = [{"code": c, "name": c} for c in ("DIST", "TEH", "TOWN", "NAMED", "EXACT", "ANY")]


def _book(rules: list[dict[str, Any]], **extra: Any) -> RuleBook:
    rule_set = RuleSet.model_validate(
        {
            "departments": DEPARTMENTS + extra.pop("departments", []),
            "triage": {"code": "TT", "name": "Triage"},
            "rules": rules,
            **extra,
        }
    )
    return RuleBook.build(rule_set, AREAS, version="v1")


PLACE_RULES = [
    {"id": "any", "categories": ["water.*"], "department": "ANY"},
    {"id": "exact", "categories": ["water.no_supply"], "department": "EXACT"},
    {"id": "named", "categories": ["water.*"], "districts": ["Lahore"], "department": "NAMED"},
    {"id": "dist", "categories": ["water.*"], "areas": ["dist"], "department": "DIST"},
    {"id": "teh", "categories": ["water.*"], "areas": ["teh"], "department": "TEH"},
    {"id": "town", "categories": ["water.*"], "areas": ["town"], "department": "TOWN"},
]


@pytest.mark.parametrize(
    ("lat", "lon", "district", "rule"),
    [
        (0.5, 0.5, "Lahore", "town"),  # town beats tehsil, district area, district name
        (1.5, 1.5, "Lahore", "teh"),
        (3.0, 3.0, "Lahore", "dist"),  # an area match beats the district name
        (9.0, 9.0, "Lahore", "named"),  # no area: the district name
        (None, None, "Lahore", "named"),
        (None, None, None, "exact"),  # no place: the exact category beats the group
        (1.0, 1.0, None, "town"),  # the town's corner is in the town
    ],
)
def test_the_most_specific_place_wins(
    lat: float | None, lon: float | None, district: str | None, rule: str
) -> None:
    book = _book(PLACE_RULES)
    request = RoutingInput("water.no_supply", district=district, lat=lat, lon=lon)
    assert decide(book, request).rule_id == rule


def test_the_decision_records_the_areas_most_specific_first_and_the_version() -> None:
    decision = decide(_book(PLACE_RULES), RoutingInput("water.main_break", lat=0.5, lon=0.5))
    assert decision.areas == ("town", "teh", "dist")
    assert decision.rule_set_version == "v1"
    assert (decision.conflict_of_interest, decision.excluded_department) == (False, None)


def test_an_area_rule_still_needs_its_category_and_beats_an_exact_category_elsewhere() -> None:
    book = _book(PLACE_RULES)
    assert decide(book, RoutingInput("roads.pothole", lat=0.5, lon=0.5)).rule_id == TRIAGE_RULE_ID
    assert decide(book, RoutingInput("water.no_supply", lat=0.5, lon=0.5)).rule_id == "town"


def test_a_rule_naming_areas_and_districts_needs_both() -> None:
    both = {
        "id": "both",
        "categories": ["water.*"],
        "areas": ["teh"],
        "districts": ["Lahore"],
        "department": "TEH",
    }
    book = _book([both, PLACE_RULES[0]])
    assert decide(book, RoutingInput("water.x", "Lahore", 1.5, 1.5)).rule_id == "both"
    assert decide(book, RoutingInput("water.x", "Karachi", 1.5, 1.5)).rule_id == "any"
    assert decide(book, RoutingInput("water.x", "Lahore")).rule_id == "any"


COI_DEPARTMENTS = [
    {"code": "POLICE", "name": "Police"},
    {"code": "ACE", "name": "Anti-Corruption"},
    {"code": "OMBUDSMAN", "name": "Ombudsman"},
]
COI_RULES = [
    {"id": "police", "categories": ["police.harassment"], "department": "POLICE"},
    {"id": "integrity", "categories": ["integrity.*"], "department": "ACE"},
    {"id": "water", "categories": ["water.*"], "department": "ANY"},
]


def _coi_book(by_department: dict[str, str] | None = None, default: str = "OMBUDSMAN") -> RuleBook:
    return _book(
        COI_RULES,
        departments=COI_DEPARTMENTS,
        conflict_of_interest={
            "categories": ["police.harassment", "integrity.*"],
            "oversight": {
                "default": default,
                "by_department": {"OMBUDSMAN": "ACE"} if by_department is None else by_department,
            },
        },
    )


@pytest.mark.parametrize(
    ("category", "named", "department"),
    [
        ("police.harassment", "POLICE", "OMBUDSMAN"),  # would have gone to POLICE
        ("integrity.bribe_demanded", "ACE", "OMBUDSMAN"),  # the integrity body accused
        ("integrity.bribe_demanded", "OMBUDSMAN", "ACE"),  # oversight of the oversight body
        ("integrity.bribe_demanded", "NOT-A-CODE", "OMBUDSMAN"),  # unknown code: default
    ],
)
def test_a_sensitive_complaint_goes_to_the_named_departments_oversight(
    category: str, named: str, department: str
) -> None:
    decision = decide(_coi_book(), RoutingInput(category, concerns_department=named))
    assert decision.department.code == department
    assert decision.department.code != named
    assert decision.rule_id == CONFLICT_RULE_ID
    assert (decision.conflict_of_interest, decision.excluded_department) == (True, named)


def test_a_non_sensitive_request_naming_a_department_is_routed_as_usual() -> None:
    decision = decide(_coi_book(), RoutingInput("water.no_supply", concerns_department="ANY"))
    assert (decision.department.code, decision.rule_id) == ("ANY", "water")
    assert (decision.conflict_of_interest, decision.excluded_department) == (False, None)


def test_a_sensitive_request_naming_no_department_follows_the_rules() -> None:
    decision = decide(_coi_book(), RoutingInput("police.harassment"))
    assert (decision.department.code, decision.conflict_of_interest) == ("POLICE", False)


def test_by_department_overrides_the_default() -> None:
    book = _coi_book({"OMBUDSMAN": "ACE", "POLICE": "ACE"})
    decision = decide(book, RoutingInput("police.harassment", concerns_department="POLICE"))
    assert decision.department.code == "ACE"


@pytest.mark.parametrize(
    ("by_department", "default", "message"),
    [
        ({}, "OMBUDSMAN", "complaints about OMBUDSMAN would go to OMBUDSMAN itself"),
        ({"OMBUDSMAN": "ACE", "ACE": "ACE"}, "OMBUDSMAN", "complaints about ACE would go to ACE"),
        ({"OMBUDSMAN": "ACE"}, "NOPE", "oversight names unknown department NOPE"),
        ({"OMBUDSMAN": "NOPE"}, "ACE", "oversight names unknown department NOPE"),
    ],
)
def test_an_oversight_that_would_oversee_itself_or_is_unknown_is_refused(
    by_department: dict[str, str], default: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _coi_book(by_department, default)


def test_the_shipped_rules_route_by_area_and_send_complaints_to_oversight() -> None:
    book = load_book()
    model_town = decide(book, RoutingInput("water.no_supply", "Lahore", 31.48, 74.32))
    assert (model_town.department.code, model_town.rule_id) == (
        "WASA-LHR-MODEL-TOWN",
        "water-model-town",
    )
    elsewhere = decide(book, RoutingInput("water.no_supply", "Lahore", 31.60, 74.20))
    assert elsewhere.rule_id == "water-lahore"
    bribe = decide(book, RoutingInput("integrity.bribe_demanded", concerns_department="ACE"))
    assert (bribe.department.code, bribe.excluded_department) == ("OMBUDSMAN", "ACE")
    about_ombudsman = RoutingInput("integrity.bribe_demanded", concerns_department="OMBUDSMAN")
    assert decide(book, about_ombudsman).department.code == "ACE"


_CATEGORIES = ["water.no_supply", "water.main_break", "roads.pothole"]
_PATTERNS = [*_CATEGORIES, "water.*", "roads.*"]


def _scan_all(book: RuleBook, request: RoutingInput) -> str:
    """The reference: every rule scored, no index (how the order is defined)."""
    located = book.areas.areas_at(request.lat, request.lon) if request.lat is not None else ()
    best: tuple[int, int, int, int] | None = None
    chosen = TRIAGE_RULE_ID
    wanted = district_key(request.district) if request.district else None
    for position, rule in enumerate(book.rules.rules):
        category = category_score(rule.categories, request.category)
        area = next((a.rank for a in located if a.id in rule.areas), None) if rule.areas else 0
        place = (
            (1 if wanted in {district_key(d) for d in rule.districts} else None)
            if rule.districts
            else 0
        )
        if category and area is not None and place is not None:
            key = (area, place, category, -position)
            if best is None or key > best:
                best, chosen = key, rule.id
    return chosen


_rule = st.fixed_dictionaries(
    {
        "categories": st.lists(st.sampled_from(_PATTERNS), min_size=1, max_size=2),
        "districts": st.lists(st.sampled_from(["Lahore", "Karachi"]), max_size=1),
        "areas": st.lists(st.sampled_from(["dist", "teh", "town"]), max_size=2),
        "department": st.sampled_from(["DIST", "TEH", "TOWN"]),
    }
)


@given(
    rules=st.lists(_rule, max_size=8),
    category=st.sampled_from(_CATEGORIES),
    district=st.sampled_from([None, "Lahore", "karachi "]),
    point=st.sampled_from([None, (0.5, 0.5), (1.5, 1.5), (3.0, 3.0), (1.0, 1.0), (9.0, 9.0)]),
)
def test_the_indexed_decision_equals_scoring_every_rule(
    rules: list[dict[str, Any]],
    category: str,
    district: str | None,
    point: tuple[float, float] | None,
) -> None:
    book = _book([{"id": f"r{n}", **rule} for n, rule in enumerate(rules)])
    lat, lon = point if point else (None, None)
    request = RoutingInput(category, district, lat, lon)
    assert decide(book, request).rule_id == _scan_all(book, request)
