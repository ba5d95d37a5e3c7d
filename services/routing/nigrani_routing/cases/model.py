"""The case aggregate: its states, who may act on it, and the record of one change.

Pure data, no I/O. A `Case` is only ever replaced by the next version that a workflow
decision (workflow.py) returns, so its history is a sequence of versions 1, 2, 3 ...
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from nigrani_shared.auth.identity import Role


class State(StrEnum):
    ROUTED = "routed"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    AWAITING_CITIZEN = "awaiting_citizen"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CLOSED_UNCONFIRMED = "closed_unconfirmed"
    REJECTED = "rejected"


OPEN_STATES = frozenset({State.ROUTED, State.ASSIGNED, State.IN_PROGRESS, State.AWAITING_CITIZEN})
CLOSED_STATES = frozenset({State.CLOSED, State.CLOSED_UNCONFIRMED})


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


# Staff roles come from the identity provider (nigrani_shared.auth). A dept_admin can do
# what a supervisor can; oversight staff read every department and act in their own.
SUPERVISING = frozenset({Role.SUPERVISOR, Role.DEPT_ADMIN})
STAFF = frozenset(Role)


@dataclass(frozen=True)
class StaffActor:
    staff_id: str
    roles: frozenset[Role]
    department: str | None

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)

    @property
    def acting_role(self) -> str:
        """The most senior role held, recorded on the event."""
        for role in (Role.DEPT_ADMIN, Role.SUPERVISOR, Role.OVERSIGHT, Role.OFFICER):
            if role in self.roles:
                return role.value
        return "none"


@dataclass(frozen=True)
class CitizenActor:
    """The citizen, proven by the citizen token at intake."""


@dataclass(frozen=True)
class SystemActor:
    """Routing itself: when a confirmation window lapses, or when the SLA service says a
    case has missed its target by a ladder level's allowance."""


Actor = StaffActor | CitizenActor | SystemActor


@dataclass(frozen=True)
class DepartmentRef:
    code: str
    name: str


@dataclass(frozen=True)
class Windows:
    """How long a citizen has to confirm or dispute a resolution before it closes
    unconfirmed, and to reopen it at all, both counted from the resolution."""

    confirmation: timedelta = timedelta(days=14)
    reopen: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class Case:
    request_id: str
    version: int
    state: State
    department: DepartmentRef
    category: str
    priority: Priority
    assignee: str | None
    transfers: int
    reopened: int
    submitted_at: datetime
    routed_at: datetime
    updated_at: datetime
    areas: tuple[str, ...] = ()
    district: str | None = None
    excluded_department: str | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    rule_id: str = ""
    rule_set_version: str = ""
    conflict_of_interest: bool = False
    #: The escalation ladder level reached (0: never escalated) and the role whose queue
    #: shows the case as escalated to it. Only ever rises, and outlives transfers and
    #: reopens: the SLA clock they come from is never reset either.
    escalation_level: int = 0
    escalated_to_role: str | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES
