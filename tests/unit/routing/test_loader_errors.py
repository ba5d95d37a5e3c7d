"""A bad rules or areas file is refused with a message naming the file, line and problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nigrani_routing.rules.errors import RulesError
from nigrani_routing.rules.loader import DEFAULT_AREAS_PATH, DEFAULT_RULES_PATH, load_book

RULES = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
AREAS = DEFAULT_AREAS_PATH.read_text(encoding="utf-8")


def _load(tmp_path: Path, rules: str = RULES, areas: str = AREAS) -> None:
    (tmp_path / "routing.yaml").write_text(rules, encoding="utf-8")
    (tmp_path / "areas.geojson").write_text(areas, encoding="utf-8")
    load_book(tmp_path / "routing.yaml", tmp_path / "areas.geojson")


def _line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `fragment`."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    return found[occurrence - 1]


def _refused(tmp_path: Path, **files: str) -> RulesError:
    with pytest.raises(RulesError) as caught:
        _load(tmp_path, **files)
    return caught.value


def test_the_shipped_files_load(tmp_path: Path) -> None:
    _load(tmp_path)


def test_a_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    rules = RULES.replace("    department: LWMC-LHR", "    department: [LWMC-LHR")
    error = _refused(tmp_path, rules=rules)
    assert error.file_name == "routing.yaml"
    assert error.line is not None
    # The parser notices the unclosed bracket on the line after it, at the latest.
    assert error.line - _line_of(rules, "department: [LWMC-LHR") in (0, 1)
    assert "not valid YAML" in str(error)


def test_an_unknown_department_names_the_rule_and_its_line(tmp_path: Path) -> None:
    rules = RULES.replace("department: LWMC-LHR", "department: LWMC-LHX")
    error = _refused(tmp_path, rules=rules)
    line = _line_of(rules, "department: LWMC-LHX")
    assert str(error) == (
        f"routing.yaml line {line}: rule garbage-lahore names unknown department LWMC-LHX"
    )


def test_a_field_of_the_wrong_shape_names_its_line_and_path(tmp_path: Path) -> None:
    rules = RULES.replace("    categories: [sanitation.garbage]", "    categories: []")
    error = _refused(tmp_path, rules=rules)
    assert error.line == _line_of(rules, "categories: []")
    assert ".categories:" in error.problem
    assert "at least 1" in error.problem


def test_a_missing_field_is_reported_at_the_entry_that_lacks_it(tmp_path: Path) -> None:
    rules = RULES.replace("    department: LWMC-LHR\n", "")
    error = _refused(tmp_path, rules=rules)
    assert error.line == _line_of(rules, "- id: garbage-lahore")
    assert "department: Field required" in error.problem


def test_an_unknown_field_names_its_line(tmp_path: Path) -> None:
    rules = RULES.replace("    districts: [Lahore]\n", "    distrcts: [Lahore]\n", 1)
    error = _refused(tmp_path, rules=rules)
    assert error.line == _line_of(rules, "distrcts:")
    assert "Extra inputs are not permitted" in error.problem


def test_an_unknown_area_id_names_the_rule_and_its_line(tmp_path: Path) -> None:
    rules = RULES.replace("areas: [pk-sd-karachi-saddar]", "areas: [pk-sd-karachi-sadar]")
    error = _refused(tmp_path, rules=rules)
    line = _line_of(rules, "pk-sd-karachi-sadar")
    assert str(error) == (
        f"routing.yaml line {line}: rule water-karachi-saddar names unknown area "
        "pk-sd-karachi-sadar"
    )


def test_an_oversight_overseeing_itself_names_its_line(tmp_path: Path) -> None:
    rules = RULES.replace("      OMBUDSMAN: ACE\n", "      OMBUDSMAN: OMBUDSMAN\n")
    error = _refused(tmp_path, rules=rules)
    assert error.line == _line_of(rules, "OMBUDSMAN: OMBUDSMAN")
    assert "complaints about OMBUDSMAN would go to OMBUDSMAN itself" in error.problem


def test_an_empty_rules_file_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, rules="")
    assert error.line == 1


def test_bad_json_names_its_line(tmp_path: Path) -> None:
    areas = AREAS.replace('"level": "tehsil"}', '"level": "tehsil",}', 1)
    error = _refused(tmp_path, areas=areas)
    assert error.file_name == "areas.geojson"
    assert error.line == _line_of(areas, '"level": "tehsil",}')
    assert "not valid JSON" in error.problem


def _feature_line(areas: str, area_id: str, occurrence: int = 1) -> int:
    """The line of the feature's `"type": "Feature"` member, the last one before its id."""
    id_line = _line_of(areas, f'"id": "{area_id}"', occurrence)
    lines = areas.splitlines()[:id_line]
    return max(n for n, line in enumerate(lines, 1) if '"type": "Feature"' in line)


def test_an_invalid_polygon_names_the_area_and_its_line(tmp_path: Path) -> None:
    document = json.loads(AREAS)
    # A bow tie: the ring crosses itself.
    document["features"][2]["geometry"]["coordinates"] = [
        [[74.30, 31.47], [74.34, 31.495], [74.34, 31.47], [74.30, 31.495], [74.30, 31.47]]
    ]
    areas = _lay_out(document)
    error = _refused(tmp_path, areas=areas)
    assert error.line == _feature_line(areas, "pk-pb-lahore-model-town")
    assert error.problem.startswith("area pk-pb-lahore-model-town: invalid Polygon: Self-")


def test_a_duplicate_area_id_names_both_lines(tmp_path: Path) -> None:
    document = json.loads(AREAS)
    document["features"][3]["properties"]["id"] = "pk-pb-lahore-model-town"
    areas = _lay_out(document)
    error = _refused(tmp_path, areas=areas)
    first, second = (_feature_line(areas, "pk-pb-lahore-model-town", n) for n in (1, 2))
    assert str(error) == (
        f"areas.geojson line {second}: area pk-pb-lahore-model-town appears twice "
        f"(first on line {first})"
    )


def test_a_feature_without_a_level_names_its_line(tmp_path: Path) -> None:
    document = json.loads(AREAS)
    del document["features"][1]["properties"]["level"]
    areas = _lay_out(document)
    error = _refused(tmp_path, areas=areas)
    assert error.line == _feature_line(areas, "pk-pb-lahore-cantt")
    assert error.problem == "feature 2: level: Field required"


def test_swapped_coordinates_are_refused(tmp_path: Path) -> None:
    document = json.loads(AREAS)
    ring = document["features"][0]["geometry"]["coordinates"][0]
    document["features"][0]["geometry"]["coordinates"] = [[[x, y * 3] for x, y in ring]]
    error = _refused(tmp_path, areas=_lay_out(document))
    assert "out of range" in error.problem


def _lay_out(document: object) -> str:
    return json.dumps(document, indent=2)
