import pytest
from nigrani_routing.rules.loader import load_rules
from nigrani_routing.rules.matching import TRIAGE_RULE_ID, route
from nigrani_routing.rules.schemas import RuleSet

RULES = load_rules()


@pytest.mark.parametrize(
    ("category", "district", "department", "rule"),
    [
        ("water.no_supply", "Lahore", "WASA-LHR", "water-lahore"),
        ("water.no_supply", "  lahore ", "WASA-LHR", "water-lahore"),
        ("water.main_break", "Karachi", "KWSC-KHI", "water-karachi"),
        ("water.no_supply", "Multan", "LG-WATER", "water-default"),
        ("water.no_supply", None, "LG-WATER", "water-default"),
        ("sanitation.garbage", "Lahore", "LWMC-LHR", "garbage-lahore"),
        ("sanitation.garbage", "Quetta", "LG-SANITATION", "sanitation-default"),
        ("sanitation.sewage_overflow", "Karachi", "KWSC-KHI", "water-karachi"),
        ("integrity.bribe_demanded", None, "ACE", "integrity"),
        ("police.harassment", "Peshawar", "POLICE-IAB", "police-conduct"),
    ],
)
def test_the_most_specific_rule_wins(
    category: str, district: str | None, department: str, rule: str
) -> None:
    decision = route(RULES, category, district)
    assert (decision.department.code, decision.rule_id) == (department, rule)


def test_an_unmatched_category_goes_to_triage() -> None:
    decision = route(RULES, "zoo.escaped_tiger", "Lahore")
    assert decision.rule_id == TRIAGE_RULE_ID
    assert decision.department.code == "TRIAGE"


def test_an_exact_category_beats_its_group_and_order_breaks_ties() -> None:
    rules = RuleSet.model_validate(
        {
            "departments": [{"code": "AA", "name": "A"}, {"code": "BB", "name": "B"}],
            "triage": {"code": "TT", "name": "T"},
            "rules": [
                {"id": "group", "categories": ["water.*"], "department": "AA"},
                {"id": "exact", "categories": ["water.no_supply"], "department": "BB"},
                {"id": "exact-later", "categories": ["water.no_supply"], "department": "AA"},
            ],
        }
    )
    assert route(rules, "water.no_supply", None).rule_id == "exact"
    assert route(rules, "water.main_break", None).rule_id == "group"


def test_a_rule_naming_an_unknown_department_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown department"):
        RuleSet.model_validate(
            {
                "departments": [],
                "triage": {"code": "TT", "name": "T"},
                "rules": [{"id": "x", "categories": ["a.b"], "department": "NOPE"}],
            }
        )


def test_every_catalog_category_reaches_a_real_department() -> None:
    from nigrani_intake.catalog.service import load_catalog

    for category in load_catalog().all():
        assert route(RULES, category.code, None).rule_id != TRIAGE_RULE_ID, category.code
