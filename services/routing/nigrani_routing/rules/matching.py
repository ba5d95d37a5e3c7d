"""Pure rule matching: no I/O, so it is tested exhaustively and cheap on the hot path."""

from __future__ import annotations

from dataclasses import dataclass

from nigrani_shared.text import comparison_key

from nigrani_routing.rules.schemas import Department, Rule, RuleSet

TRIAGE_RULE_ID = "triage"


@dataclass(frozen=True)
class RoutingDecision:
    department: Department
    rule_id: str


def _category_score(rule: Rule, category: str) -> int:
    """2 for an exact code, 1 for the category's group ("water.*"), 0 for no match."""
    if category in rule.categories:
        return 2
    group = category.split(".", 1)[0]
    return 1 if f"{group}.*" in rule.categories else 0


def _district_score(rule: Rule, district: str | None) -> int | None:
    """None when the rule names districts and this is not one of them."""
    if not rule.districts:
        return 0
    if district is None:
        return None
    wanted = comparison_key(district)
    return 1 if any(comparison_key(d) == wanted for d in rule.districts) else None


def route(rules: RuleSet, category: str, district: str | None) -> RoutingDecision:
    best: tuple[int, int, int] | None = None
    chosen: Rule | None = None
    for position, rule in enumerate(rules.rules):
        category_score = _category_score(rule, category)
        district_score = _district_score(rule, district)
        if category_score == 0 or district_score is None:
            continue
        key = (district_score, category_score, -position)
        if best is None or key > best:
            best, chosen = key, rule
    if chosen is None:
        return RoutingDecision(department=rules.triage, rule_id=TRIAGE_RULE_ID)
    return RoutingDecision(department=rules.department(chosen.department), rule_id=chosen.id)
