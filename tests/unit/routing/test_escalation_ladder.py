"""The escalation ladder in routing.yaml: each level's defaults, configured levels, the
conflict-of-interest fallbacks, and a bad ladder refused with its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from nigrani_routing.rules.book import RuleBook
from nigrani_routing.rules.errors import RulesError
from nigrani_routing.rules.escalation import escalation_target
from nigrani_routing.rules.loader import DEFAULT_AREAS_PATH, DEFAULT_RULES_PATH, load_book

RULES = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
HEALTH = "  - code: HEALTH\n    name: Primary and Secondary Healthcare Department\n"


def book_of(tmp_path: Path, rules: str = RULES) -> RuleBook:
    path = tmp_path / "routing.yaml"
    path.write_text(rules, encoding="utf-8")
    return load_book(path, DEFAULT_AREAS_PATH)


def target(book: RuleBook, code: str, level: int, excluded: str | None = None) -> tuple[str, str]:
    found = escalation_target(
        book, level=level, department_code=code, department_name=code, excluded=excluded
    )
    assert found.level == level
    return found.role, found.department_code


@pytest.fixture
def shipped(tmp_path: Path) -> RuleBook:
    return book_of(tmp_path)


def test_defaults_supervisor_then_head_then_oversight(shipped: RuleBook) -> None:
    assert target(shipped, "HEALTH", 1) == ("supervisor", "HEALTH")
    assert target(shipped, "HEALTH", 2) == ("dept_admin", "HEALTH")
    assert target(shipped, "HEALTH", 3) == ("oversight", "OMBUDSMAN")


def test_an_office_escalates_to_the_head_of_the_department_it_is_part_of(
    shipped: RuleBook,
) -> None:
    assert target(shipped, "KWSC-SADDAR", 1) == ("supervisor", "KWSC-SADDAR")
    assert target(shipped, "KWSC-SADDAR", 2) == ("dept_admin", "KWSC-KHI")


def test_the_oversight_body_of_the_oversight_body_is_its_own_overseer(shipped: RuleBook) -> None:
    assert target(shipped, "OMBUDSMAN", 3) == ("oversight", "ACE")


def test_level_3_never_lands_on_the_accused_department(shipped: RuleBook) -> None:
    # A complaint about ACE went to the Ombudsman, whose own overseer is ACE: the default
    # body takes it, which is the Ombudsman itself.
    assert target(shipped, "OMBUDSMAN", 3, excluded="ACE") == ("oversight", "OMBUDSMAN")
    # A complaint about the Ombudsman went to ACE; the default body is the accused one
    # too, so the case stays where routing put it.
    assert target(shipped, "ACE", 3, excluded="OMBUDSMAN") == ("oversight", "ACE")


def test_no_level_lands_on_an_office_of_the_accused(tmp_path: Path) -> None:
    rules = RULES.replace(
        HEALTH,
        HEALTH + "    escalation:\n      level_2: {role: dept_admin, department: KWSC-SADDAR}\n",
    )
    book = book_of(tmp_path, rules)
    assert target(book, "HEALTH", 2) == ("dept_admin", "KWSC-SADDAR")
    assert target(book, "HEALTH", 2, excluded="KWSC-KHI") == ("dept_admin", "HEALTH")


def test_configured_levels_override_the_defaults_and_others_keep_them(tmp_path: Path) -> None:
    rules = RULES.replace(
        HEALTH,
        HEALTH
        + "    escalation:\n"
        + "      level_1: {role: dept_admin}\n"
        + "      level_3: {role: oversight, department: ACE}\n",
    )
    book = book_of(tmp_path, rules)
    assert target(book, "HEALTH", 1) == ("dept_admin", "HEALTH")
    assert target(book, "HEALTH", 2) == ("dept_admin", "HEALTH")
    assert target(book, "HEALTH", 3) == ("oversight", "ACE")
    assert target(book, "WASA-LHR-MODEL-TOWN", 2) == ("dept_admin", "WASA-LHR")  # shipped


def test_without_an_oversight_section_level_3_stays_with_the_head(tmp_path: Path) -> None:
    start = RULES.index("conflict_of_interest:")
    rules = RULES[:start] + RULES[RULES.index("rules:\n", start) :]
    book = book_of(tmp_path, rules)
    assert target(book, "KWSC-SADDAR", 3) == ("oversight", "KWSC-KHI")


def test_a_department_the_rules_no_longer_list_escalates_within_itself(shipped: RuleBook) -> None:
    assert target(shipped, "GONE-DEPT", 1) == ("supervisor", "GONE-DEPT")
    assert target(shipped, "GONE-DEPT", 3) == ("oversight", "OMBUDSMAN")


def _refused(tmp_path: Path, rules: str) -> RulesError:
    with pytest.raises(RulesError) as caught:
        book_of(tmp_path, rules)
    return caught.value


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_an_unknown_escalation_department_names_its_line(tmp_path: Path) -> None:
    rules = RULES.replace("department: WASA-LHR}", "department: WASA-LHX}")
    error = _refused(tmp_path, rules)
    line = _line_of(rules, "department: WASA-LHX}")
    assert str(error) == (
        f"routing.yaml line {line}: escalation level 2 of WASA-LHR-MODEL-TOWN names unknown "
        "department WASA-LHX"
    )


def test_an_unknown_role_names_its_line(tmp_path: Path) -> None:
    rules = RULES.replace("level_1: {role: supervisor}", "level_1: {role: minister}")
    error = _refused(tmp_path, rules)
    assert error.line == _line_of(rules, "role: minister")
    assert "escalation.level_1.role" in error.problem


def test_an_unknown_level_names_its_line(tmp_path: Path) -> None:
    rules = RULES.replace("level_1: {role: supervisor}", "level_4: {role: supervisor}")
    error = _refused(tmp_path, rules)
    assert error.line == _line_of(rules, "level_4:")
    assert "Extra inputs are not permitted" in error.problem


def test_the_triage_desk_ladder_is_checked_too(tmp_path: Path) -> None:
    rules = RULES.replace(
        "  name: Central Triage Desk\n",
        "  name: Central Triage Desk\n  escalation:\n    level_3: {role: oversight, "
        "department: NOWHERE}\n",
    )
    error = _refused(tmp_path, rules)
    assert error.line == _line_of(rules, "department: NOWHERE")
    assert "escalation level 3 of TRIAGE names unknown department NOWHERE" in error.problem
