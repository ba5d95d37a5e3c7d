"""Reads the rules file at start-up."""

from __future__ import annotations

from pathlib import Path

import yaml

from nigrani_routing.rules.schemas import RuleSet

DEFAULT_RULES_PATH = Path(__file__).with_name("routing.yaml")


def load_rules(path: Path = DEFAULT_RULES_PATH) -> RuleSet:
    return RuleSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
