"""Reads the rules and areas files into a rule book, or refuses them naming the line.

Every refusal is a `RulesError` whose message names the file, the line and the problem:
YAML syntax (the parser's mark), a field that fails validation (its path walked down the
composed YAML), a reference that does not resolve, bad JSON, an invalid polygon, a
duplicate area id.
"""

from __future__ import annotations

from pathlib import Path

from nigrani_shared.config_files.loading import read_bytes, validate_yaml
from nigrani_shared.config_files.yaml_lines import YamlLines

from nigrani_routing.rules.areas import parse_areas
from nigrani_routing.rules.book import RuleBook, book_version
from nigrani_routing.rules.errors import RulesError
from nigrani_routing.rules.schemas import RuleSet, reference_problems

DEFAULT_RULES_PATH = Path(__file__).with_name("routing.yaml")
DEFAULT_AREAS_PATH = Path(__file__).with_name("areas.geojson")


def load_book(
    rules_path: Path = DEFAULT_RULES_PATH, areas_path: Path = DEFAULT_AREAS_PATH
) -> RuleBook:
    rules_raw, areas_raw = _read(rules_path), _read(areas_path)
    rules = parse_rules(rules_raw, rules_path.name)
    areas = parse_areas(areas_raw, areas_path.name)
    for problem in reference_problems(rules, areas.ids):
        line = YamlLines(rules_raw.decode("utf-8")).line_of(problem.path)
        raise RulesError(rules_path.name, line, problem.message)
    return RuleBook.build(rules, areas, book_version(rules_raw, areas_raw))


def parse_rules(raw: bytes, file_name: str) -> RuleSet:
    return validate_yaml(RuleSet, raw, file_name, RulesError)


def _read(path: Path) -> bytes:
    return read_bytes(path, RulesError)
