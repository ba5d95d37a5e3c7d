import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nigrani_routing.rules.book import RuleBook
from nigrani_routing.rules.loader import load_book
from nigrani_routing.rules.matching import TRIAGE_RULE_ID, RoutingDecision, RoutingInput, decide
from nigrani_routing.rules.schemas import RuleSet
from nigrani_shared.text import comparison_key as district_key

RULES = load_book()


def route(rules: RuleBook | RuleSet, category: str, district: str | None) -> RoutingDecision:
    """A decision by category and district name alone (no point, no department named)."""
    book = rules if isinstance(rules, RuleBook) else RuleBook.build(rules)
    return decide(book, RoutingInput(category=category, district=district))


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


@pytest.mark.parametrize(
    "district",
    [
        "LAHORE",
        "lahore",
        "\tLahore\n",
        "La\u200chore",  # a zero-width joiner typed by an Urdu keyboard
        "\uff2c\uff41\uff48\uff4f\uff52\uff45",  # full-width letters
    ],
)
def test_districts_match_without_regard_to_case_spacing_or_invisible_marks(
    district: str,
) -> None:
    assert route(RULES, "water.no_supply", district).rule_id == "water-lahore"


def test_district_key_collapses_inner_whitespace_and_composes_accents() -> None:
    assert district_key("  Dera   Ghazi\u00a0Khan ") == district_key("dera ghazi khan")
    assert district_key("Mu\u0308nster") == district_key("M\u00fcnster") == "m\u00fcnster"


def test_a_similar_but_different_district_does_not_match() -> None:
    assert route(RULES, "water.no_supply", "Lahore Cantt").rule_id == "water-default"
    assert route(RULES, "water.no_supply", "La\u0000hore").rule_id == "water-default"


_SPACES = st.text(alphabet=" \t\n\u00a0\u2003", min_size=1, max_size=3)


@given(
    words=st.lists(
        st.text(alphabet=string.ascii_letters, min_size=1, max_size=8), min_size=1, max_size=4
    ),
    gaps=st.lists(_SPACES, min_size=5, max_size=5),
    upper=st.booleans(),
)
def test_a_rule_district_matches_any_casing_and_spacing_of_itself(
    words: list[str], gaps: list[str], upper: bool
) -> None:
    name = " ".join(words)
    typed = gaps[0] + "".join(w + g for w, g in zip(words, gaps[1:], strict=False)).rstrip()
    typed = typed.upper() if upper else typed.lower()
    rules = RuleSet.model_validate(
        {
            "departments": [{"code": "AA", "name": "A"}],
            "triage": {"code": "TT", "name": "T"},
            "rules": [{"id": "r", "categories": ["a.*"], "districts": [name], "department": "AA"}],
        }
    )
    assert route(rules, "a.b", typed).rule_id == "r"
