"""Reads the rules and areas files into a rule book, or refuses them naming the line.

Every refusal is a `RulesError` whose message names the file, the line and the problem:
YAML syntax (the parser's mark), a field that fails validation (its path walked down the
composed YAML), a reference that does not resolve, bad JSON, an invalid polygon, a
duplicate area id.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from nigrani_routing.rules.areas import parse_areas
from nigrani_routing.rules.book import RuleBook, book_version
from nigrani_routing.rules.errors import RulesError
from nigrani_routing.rules.schemas import RuleSet, reference_problems
from nigrani_routing.rules.yaml_lines import YamlLines

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
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RulesError(file_name, None, f"is not UTF-8 ({error.reason})") from error
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(p for p in (error.context, error.problem) if p) or "not valid YAML"
        raise RulesError(
            file_name, mark.line + 1 if mark else None, f"not valid YAML: {problem}"
        ) from error
    except yaml.YAMLError as error:
        raise RulesError(file_name, None, f"not valid YAML: {error}") from error
    try:
        return RuleSet.model_validate(data)
    except ValidationError as error:
        raise _located(error, text, file_name) from error


def _located(error: ValidationError, text: str, file_name: str) -> RulesError:
    first = error.errors()[0]
    context = first.get("ctx") or {}
    if first["type"] == "rules_reference":
        path, problem = tuple(context["path"]), str(context["message"])
    else:
        path = tuple(first["loc"])
        field = ".".join(str(part) for part in path) or "the file"
        problem = f"{field}: {first['msg']}"
    return RulesError(file_name, YamlLines(text).line_of(path), problem)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise RulesError(path.name, None, f"cannot be read ({error.strerror})") from error
