"""Reads the rules file at start-up."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from nigrani_routing.rules.schemas import RuleSet

DEFAULT_RULES_PATH = Path(__file__).with_name("routing.yaml")


def load_rules(path: Path = DEFAULT_RULES_PATH) -> RuleSet:
    raw = path.read_bytes()
    rules = RuleSet.model_validate(yaml.safe_load(raw.decode("utf-8")))
    return rules.model_copy(update={"version": hashlib.sha256(raw).hexdigest()[:16]})
