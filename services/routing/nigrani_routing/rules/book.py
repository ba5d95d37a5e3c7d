"""The rule book: the rules, the areas and one version for both, prepared for matching.

Everything a decision needs is computed here once per load (district comparison keys,
area-id sets, departments by code), so `decide` only compares.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from nigrani_shared.text import comparison_key

from nigrani_routing.rules.areas import AreaIndex
from nigrani_routing.rules.schemas import Department, Rule, RuleSet

VERSION_LENGTH = 16


@dataclass(frozen=True)
class PreparedRule:
    rule: Rule
    position: int
    district_keys: frozenset[str]
    area_ids: frozenset[str]


@dataclass(frozen=True)
class RuleBook:
    """What is in force: swapped whole on reload, never changed in place."""

    rules: RuleSet
    areas: AreaIndex
    version: str
    prepared: tuple[PreparedRule, ...] = field(repr=False)
    departments: dict[str, Department] = field(repr=False)

    @classmethod
    def build(cls, rules: RuleSet, areas: AreaIndex | None = None, version: str = "") -> RuleBook:
        prepared = tuple(
            PreparedRule(
                rule=rule,
                position=position,
                district_keys=frozenset(comparison_key(d) for d in rule.districts),
                area_ids=frozenset(rule.areas),
            )
            for position, rule in enumerate(rules.rules)
        )
        departments = {d.code: d for d in (*rules.departments, rules.triage)}
        return cls(
            rules=rules.model_copy(update={"version": version}),
            areas=areas if areas is not None else AreaIndex([]),
            version=version,
            prepared=prepared,
            departments=departments,
        )

    def department(self, code: str) -> Department:
        return self.departments.get(code, self.rules.triage)


def book_version(rules_raw: bytes, areas_raw: bytes) -> str:
    """One hash over both files' bytes (each length-prefixed, so moving bytes from one
    file to the other changes it): the version a routed event records."""
    digest = hashlib.sha256()
    for raw in (rules_raw, areas_raw):
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return digest.hexdigest()[:VERSION_LENGTH]
