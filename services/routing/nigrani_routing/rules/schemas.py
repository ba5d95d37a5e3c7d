"""The routing rules file, validated when routing starts so a typo stops the service.

Cross-references (a rule's department, the oversight bodies) are checked by
`reference_problems`, which says where in the file each problem is, so the loader can name
its line; the model validator uses the same checks so a `RuleSet` built in code is held
to them too. Area ids are checked by the loader, which has the areas file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from nigrani_shared.config_files.loading import reference_error
from pydantic import BaseModel, ConfigDict, Field, model_validator

from nigrani_routing.rules.categories import category_score

Path = tuple[str | int, ...]


EscalationRole = Literal["supervisor", "dept_admin", "oversight"]
LEVELS = (1, 2, 3)


class EscalationStep(BaseModel):
    """Who handles a case that reached a ladder level: a role, in a department (left out:
    the level's default, see rules/escalation.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: EscalationRole
    department: str | None = None


class Escalation(BaseModel):
    """A department's escalation ladder; a level left out takes its default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level_1: EscalationStep | None = None
    level_2: EscalationStep | None = None
    level_3: EscalationStep | None = None

    def step(self, level: int) -> EscalationStep | None:
        return {1: self.level_1, 2: self.level_2, 3: self.level_3}.get(level)


class Department(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z0-9-]{2,32}$")
    name: str
    part_of: str | None = Field(
        default=None,
        description="The department this office belongs to (a town office of a city "
        "agency): a complaint about the agency never goes to its offices either.",
    )
    escalation: Escalation | None = Field(
        default=None, description="Who handles each escalation level (rules/escalation.py)."
    )


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    categories: tuple[str, ...] = Field(min_length=1)
    districts: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    department: str


class Oversight(BaseModel):
    """Who receives a complaint about a department instead of it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: str
    by_department: dict[str, str] = {}

    def body_for(self, department_code: str) -> str:
        return self.by_department.get(department_code, self.default)


class ConflictOfInterest(BaseModel):
    """Sensitive categories (exact codes or "group.*"): a request in one that names a
    department goes to that department's oversight body, never to the department."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    categories: tuple[str, ...] = Field(min_length=1)
    oversight: Oversight

    def applies_to(self, category: str) -> bool:
        return category_score(self.categories, category) > 0


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    departments: tuple[Department, ...]
    triage: Department
    rules: tuple[Rule, ...]
    conflict_of_interest: ConflictOfInterest | None = None
    version: str = Field(default="", description="Set by the loader: a hash of the files.")

    @model_validator(mode="after")
    def _references_resolve(self) -> RuleSet:
        for problem in reference_problems(self):
            raise reference_error(problem.path, problem.message)
        return self

    def department(self, code: str) -> Department:
        return next((d for d in self.departments if d.code == code), self.triage)


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str


def reference_problems(rules: RuleSet, area_ids: frozenset[str] | None = None) -> Iterator[Problem]:
    """Every reference that does not resolve, with where it is; areas only if known."""
    known: set[str] = set()
    for number, department in enumerate(rules.departments):
        if department.code in known:
            yield Problem(
                ("departments", number, "code"), f"department {department.code} is listed twice"
            )
        known.add(department.code)
    for number, department in enumerate(rules.departments):
        if department.part_of is not None and department.part_of not in known:
            yield Problem(
                ("departments", number, "part_of"),
                f"department {department.code} is part of unknown department {department.part_of}",
            )
    seen: set[str] = set()
    for number, rule in enumerate(rules.rules):
        if rule.id in seen:
            yield Problem(("rules", number, "id"), f"two rules share the id {rule.id}")
        seen.add(rule.id)
        if rule.department not in known:
            yield Problem(
                ("rules", number, "department"),
                f"rule {rule.id} names unknown department {rule.department}",
            )
        for position, area in enumerate(rule.areas):
            if area_ids is not None and area not in area_ids:
                yield Problem(
                    ("rules", number, "areas", position),
                    f"rule {rule.id} names unknown area {area}",
                )
    if rules.conflict_of_interest is not None:
        yield from _oversight_problems(rules.conflict_of_interest.oversight, known)
    for number, department in enumerate(rules.departments):
        yield from _escalation_problems(department, ("departments", number), known)
    yield from _escalation_problems(rules.triage, ("triage",), known)


def _escalation_problems(department: Department, base: Path, known: set[str]) -> Iterator[Problem]:
    ladder = department.escalation
    if ladder is None:
        return
    for level in LEVELS:
        step = ladder.step(level)
        if step is not None and step.department is not None and step.department not in known:
            yield Problem(
                (*base, "escalation", f"level_{level}", "department"),
                f"escalation level {level} of {department.code} names unknown department "
                f"{step.department}",
            )


def _oversight_problems(oversight: Oversight, known: set[str]) -> Iterator[Problem]:
    base: Path = ("conflict_of_interest", "oversight")
    if oversight.default not in known:
        yield Problem((*base, "default"), f"oversight names unknown department {oversight.default}")
    for named, body in oversight.by_department.items():
        if named not in known or body not in known:
            unknown = named if named not in known else body
            yield Problem(
                (*base, "by_department", named),
                f"oversight names unknown department {unknown}",
            )
    for code in sorted(known):
        if oversight.body_for(code) == code:
            where: Path = (
                (*base, "by_department", code)
                if code in oversight.by_department
                else (*base, "default")
            )
            yield Problem(
                where,
                f"complaints about {code} would go to {code} itself: "
                f"give {code} another oversight body under by_department",
            )
