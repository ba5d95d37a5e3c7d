"""Who handles a case at each level of the escalation ladder: pure, from the rule book.

A department's `escalation` section in routing.yaml names the role and department of
each level; a level left out takes its default:
  1. the department's supervisor;
  2. the head of department (dept_admin) of the department it is `part_of` (a town
     office's agency), or of the department itself;
  3. the oversight body that conflict_of_interest.oversight names for the department
     (without that section, level 2's department, with the oversight role).
A level never lands on the department a complaint accuses, nor on one of its offices:
level 3 then falls back to the default oversight body, and any level finally to the
department the case is in (which routing already keeps clear of the accused).
"""

from __future__ import annotations

from dataclasses import dataclass

from nigrani_routing.rules.book import RuleBook
from nigrani_routing.rules.schemas import EscalationRole

DEFAULT_ROLES: dict[int, EscalationRole] = {1: "supervisor", 2: "dept_admin", 3: "oversight"}


@dataclass(frozen=True)
class EscalationTarget:
    level: int
    role: EscalationRole
    department_code: str
    department_name: str
    #: The departments the target is part of, for the workflow's own conflict check.
    part_of: tuple[str, ...]


def escalation_target(
    book: RuleBook,
    *,
    level: int,
    department_code: str,
    department_name: str,
    excluded: str | None,
) -> EscalationTarget:
    """The level's handler for a case in `department_code` (a department the rules no
    longer list escalates by the defaults, within itself and to the default oversight)."""
    own = book.departments.get(department_code)
    step = own.escalation.step(level) if own is not None and own.escalation else None
    role = step.role if step is not None else DEFAULT_ROLES[level]
    wanted = step.department if step is not None and step.department else None
    candidates = [wanted or _default_department(book, department_code, level)]
    conflict = book.rules.conflict_of_interest
    if level == 3 and conflict is not None:
        candidates.append(conflict.oversight.default)
    chosen = next(
        (code for code in candidates if not _accused(book, code, excluded)), department_code
    )
    if chosen == department_code:
        return EscalationTarget(level, role, department_code, department_name, book.lineage(chosen))
    target = book.department(chosen)
    return EscalationTarget(level, role, target.code, target.name, book.lineage(target.code))


def _default_department(book: RuleBook, code: str, level: int) -> str:
    head = next(iter(book.lineage(code)), code)
    conflict = book.rules.conflict_of_interest
    if level == 3 and conflict is not None:
        return conflict.oversight.body_for(code)
    return head if level >= 2 else code


def _accused(book: RuleBook, code: str, excluded: str | None) -> bool:
    return excluded is not None and excluded in (code, *book.lineage(code))
