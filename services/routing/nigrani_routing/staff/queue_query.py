"""The staff queue's query parameters, read into one filter by a FastAPI dependency.

"Escalated to me" is the caller's own roles: a supervisor sees the cases escalated to
supervisors of their department (the queue is always one department's), a head of
department those escalated to dept_admin; combined with `escalated_to`, both must hold.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from nigrani_shared.auth.dependencies import require_role
from nigrani_shared.auth.identity import Role, StaffIdentity

from nigrani_routing.cases.model import Priority, State
from nigrani_routing.queue.projection import QueueFilter

EscalationLevel = Annotated[int | None, Query(ge=1, le=3)]


def queue_filter(
    staff: Annotated[StaffIdentity, Depends(require_role(*Role))],
    state: State | None = None,
    priority: Priority | None = None,
    category: str | None = None,
    area: str | None = None,
    assignee: str | None = None,
    unassigned: bool = False,
    overdue: Annotated[bool, Query(description="Past the resolution due time.")] = False,
    escalated: bool = False,
    escalation_level: EscalationLevel = None,
    escalated_to: Role | None = None,
    escalated_to_me: bool = False,
) -> QueueFilter:
    roles: frozenset[str] | None = None
    if escalated_to_me:
        roles = frozenset(role.value for role in staff.roles)
    if escalated_to is not None:
        roles = (roles if roles is not None else frozenset({escalated_to.value})) & {
            escalated_to.value
        }
    return QueueFilter(
        state=state,
        priority=priority,
        category=category,
        area=area,
        assignee=assignee,
        unassigned=unassigned,
        overdue=overdue,
        escalated=escalated,
        escalation_level=escalation_level,
        escalated_to=roles,
    )


WantedCases = Annotated[QueueFilter, Depends(queue_filter)]
