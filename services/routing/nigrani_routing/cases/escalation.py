"""The command an SLA escalation becomes: the ladder level's handler (from the rule book,
for the case as it stands now) and a public note that says delay became an escalation.

Built from the case at decision time, not from the event: a case transferred since the
SLA service fired escalates by its new department's ladder."""

from __future__ import annotations

from nigrani_routing.cases.commands import Action, Command
from nigrani_routing.cases.model import Case, DepartmentRef
from nigrani_routing.rules.book import RuleBook
from nigrani_routing.rules.escalation import escalation_target

_WHO = {
    "supervisor": "the supervisor",
    "dept_admin": "the head of department",
    "oversight": "the oversight body",
}


def escalation_command(book: RuleBook, case: Case, level: int) -> Command:
    target = escalation_target(
        book,
        level=level,
        department_code=case.department.code,
        department_name=case.department.name,
        excluded=case.excluded_department,
    )
    return Command(
        action=Action.ESCALATE,
        escalation_level=level,
        escalated_to_role=target.role,
        to_department=DepartmentRef(target.department_code, target.department_name),
        to_department_part_of=target.part_of,
        reason=f"resolution target missed by the allowance of escalation level {level}",
        public_note=f"Your request is overdue: it was escalated to {_WHO[target.role]}.",
    )
