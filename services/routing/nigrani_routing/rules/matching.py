"""Pure routing decisions: no I/O, so they are tested exhaustively and cheap on the hot path.

Order of specificity (also in routing.yaml's header): where first, then what.
  1. an area match, by the level of the most specific area matched (town > tehsil >
     district), beats a district-name match, which beats a rule naming no place;
  2. then an exact category beats its group ("water.*");
  3. between equals, the earlier rule in the file wins.
A conflict of interest overrides all rules: a request in a configured sensitive category
that names a department goes to that department's oversight body.
"""

from __future__ import annotations

from dataclasses import dataclass

from nigrani_shared.text import comparison_key

from nigrani_routing.rules.areas import Area
from nigrani_routing.rules.book import PreparedRule, RuleBook
from nigrani_routing.rules.categories import category_score
from nigrani_routing.rules.schemas import Department

TRIAGE_RULE_ID = "triage"
CONFLICT_RULE_ID = "conflict-of-interest"


@dataclass(frozen=True)
class RoutingInput:
    category: str
    district: str | None = None
    lat: float | None = None
    lon: float | None = None
    concerns_department: str | None = None


@dataclass(frozen=True)
class RoutingDecision:
    department: Department
    rule_id: str
    rule_set_version: str
    #: Ids of the areas the location fell in, most specific first (empty without a point).
    areas: tuple[str, ...]
    conflict_of_interest: bool
    #: The department the request named, which must never own it (None without a conflict).
    excluded_department: str | None


def decide(book: RuleBook, request: RoutingInput) -> RoutingDecision:
    located = (
        book.areas.areas_at(request.lat, request.lon)
        if request.lat is not None and request.lon is not None
        else ()
    )
    area_ids = tuple(area.id for area in located)
    named = request.concerns_department
    conflict = book.rules.conflict_of_interest
    if named and conflict is not None and conflict.applies_to(request.category):
        return RoutingDecision(
            department=book.department(conflict.oversight.body_for(named)),
            rule_id=CONFLICT_RULE_ID,
            rule_set_version=book.version,
            areas=area_ids,
            conflict_of_interest=True,
            excluded_department=named,
        )
    chosen = _best_rule(book, request, located)
    return RoutingDecision(
        department=book.department(chosen.rule.department) if chosen else book.rules.triage,
        rule_id=chosen.rule.id if chosen else TRIAGE_RULE_ID,
        rule_set_version=book.version,
        areas=area_ids,
        conflict_of_interest=False,
        excluded_department=None,
    )


def _best_rule(
    book: RuleBook, request: RoutingInput, located: tuple[Area, ...]
) -> PreparedRule | None:
    district = comparison_key(request.district) if request.district is not None else None
    best: tuple[int, int, int, int] | None = None
    chosen: PreparedRule | None = None
    for prepared in _candidates(book, request.category, district, located):
        category = category_score(prepared.rule.categories, request.category)
        area = _area_score(prepared, located)
        place = _district_score(prepared, district)
        if category == 0 or area is None or place is None:
            continue
        key = (area, place, category, -prepared.position)
        if best is None or key > best:
            best, chosen = key, prepared
    return chosen


def _candidates(
    book: RuleBook, category: str, district: str | None, located: tuple[Area, ...]
) -> list[PreparedRule]:
    """The rules filed under a key this request can meet (book.py); scoring decides."""
    places = [("", ""), *(("area", area.id) for area in located)]
    if district is not None:
        places.append(("district", district))
    found: list[PreparedRule] = []
    for pattern in (category, f"{category.split('.', 1)[0]}.*"):
        for kind, place in places:
            found.extend(book.by_key.get((pattern, kind, place), ()))
    return found


def _area_score(prepared: PreparedRule, located: tuple[Area, ...]) -> int | None:
    """0 for a rule naming no area; else the level rank of the most specific area of the
    request it names (areas come most specific first); None when it names none of them."""
    if not prepared.area_ids:
        return 0
    return next((area.rank for area in located if area.id in prepared.area_ids), None)


def _district_score(prepared: PreparedRule, district: str | None) -> int | None:
    """0 for a rule naming no district, 1 for a match, None when it names others."""
    if not prepared.district_keys:
        return 0
    return 1 if district is not None and district in prepared.district_keys else None
