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
    #: Rules by what they need to match: (category pattern, "area"|"district"|"", place).
    #: A decision reads only the few keys its request can meet, not every rule, so
    #: a thousand town rules cost what ten do.
    by_key: dict[tuple[str, str, str], tuple[PreparedRule, ...]] = field(repr=False)

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
            by_key=_index(prepared),
        )

    def lineage(self, code: str) -> tuple[str, ...]:
        """The departments `code` is part of, nearest first (itself excluded)."""
        chain: list[str] = []
        parent = self.departments[code].part_of if code in self.departments else None
        while parent is not None and parent not in chain and parent != code:
            chain.append(parent)
            found = self.departments.get(parent)
            parent = found.part_of if found else None
        return tuple(chain)

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


def _index(
    prepared: tuple[PreparedRule, ...],
) -> dict[tuple[str, str, str], tuple[PreparedRule, ...]]:
    """Each rule under every key that can select it: per category pattern, its areas (a
    rule naming areas and districts is filed by area and checked for the district), else
    its districts, else no place."""
    index: dict[tuple[str, str, str], list[PreparedRule]] = {}
    for rule in prepared:
        places = (
            [("area", a) for a in rule.area_ids]
            or [("district", d) for d in rule.district_keys]
            or [("", "")]
        )
        for pattern in rule.rule.categories:
            for kind, place in places:
                index.setdefault((pattern, kind, place), []).append(rule)
    return {key: tuple(rules) for key, rules in index.items()}
