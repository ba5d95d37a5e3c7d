"""What staff send (action bodies) and see (the case, its history, the queue page).

Staff views carry internal notes and reasons; none of these models is ever served on a
public route."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from nigrani_shared.clock import utc_now
from nigrani_shared.text import multi_line, single_line
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from nigrani_routing.cases.model import Case, Priority
from nigrani_routing.queue.due import DueTime

# Staff text reaches the citizen's timeline (public notes) and the permanent record: the
# same hygiene as what citizens type (no control, invisible or blank-looking text, NFC).
Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(multi_line),
]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=500),
    AfterValidator(single_line),
]
StaffId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    public_note: Note | None = Field(default=None, description="Shown on the citizen's timeline.")
    internal_note: Note | None = Field(default=None, description="Staff and oversight only.")


class ClaimBody(_Body):
    pass


class AssignBody(_Body):
    assignee: StaffId
    reason: Reason | None = None


class TransitionBody(_Body):
    action: Literal["start", "request_information", "resume", "resolve", "reject"]
    reason: Reason | None = None


class NoteBody(_Body):
    pass


class TransferBody(_Body):
    department: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{2,32}$")]
    reason: Reason


class PriorityBody(_Body):
    priority: Priority
    reason: Reason


class CaseStaffView(BaseModel):
    tracking_code: str
    version: int
    state: str
    department_code: str
    department_name: str
    category: str
    priority: str
    assignee: str | None
    transfers: int
    reopened: int
    areas: list[str]
    district: str | None
    conflict_of_interest: bool
    rule_id: str
    rule_set_version: str
    submitted_at: datetime
    routed_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    escalation_level: int = Field(description="0 until the SLA escalates it; then 1-3.")
    escalated_to_role: str | None
    resolution_due_at: datetime | None = Field(
        description="As the SLA service last set it (none while paused or stopped)."
    )
    overdue: bool

    @classmethod
    def of(
        cls, case: Case, due: DueTime | None = None, now: datetime | None = None
    ) -> CaseStaffView:
        return cls(
            tracking_code=case.request_id,
            version=case.version,
            state=case.state.value,
            department_code=case.department.code,
            department_name=case.department.name,
            category=case.category,
            priority=case.priority.value,
            assignee=case.assignee,
            transfers=case.transfers,
            reopened=case.reopened,
            areas=list(case.areas),
            district=case.district,
            conflict_of_interest=case.conflict_of_interest,
            rule_id=case.rule_id,
            rule_set_version=case.rule_set_version,
            submitted_at=case.submitted_at,
            routed_at=case.routed_at,
            updated_at=case.updated_at,
            resolved_at=case.resolved_at,
            closed_at=case.closed_at,
            escalation_level=case.escalation_level,
            escalated_to_role=case.escalated_to_role,
            resolution_due_at=due.resolution_due_at if due is not None else None,
            overdue=case.is_open and due is not None and due.overdue(now or utc_now()),
        )


class HistoryEntry(BaseModel):
    version: int
    action: str
    from_state: str
    to_state: str
    actor_kind: str
    staff_id: str | None
    role: str | None
    department: str | None
    reason: str | None
    public_note: str | None
    internal_note: str | None
    message_id: str | None
    at: datetime


class CaseDetail(BaseModel):
    case: CaseStaffView
    allowed_actions: list[str]
    history: list[HistoryEntry]


class ActionResult(BaseModel):
    case: CaseStaffView
    action: str
    version: int


class QueuePage(BaseModel):
    items: list[CaseStaffView]
    next_cursor: str | None
    total: int
