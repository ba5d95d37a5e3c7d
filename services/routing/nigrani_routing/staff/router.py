"""Staff routes: a few lines each; the desk (service.py) and the workflow do the work.

Every route needs a staff token (401 without); roles are checked here as route
dependencies (403), department visibility and the workflow's own rules in the desk.
Actions accept an Idempotency-Key: a retry answers the first outcome again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from nigrani_shared.auth.dependencies import require_role
from nigrani_shared.auth.identity import Role, StaffIdentity
from nigrani_shared.clock import utc_now
from nigrani_shared.web.idempotency import IdempotencyKey

from nigrani_routing.cases.commands import Action, Command
from nigrani_routing.cases.model import DepartmentRef
from nigrani_routing.queue.projection import BadCursorError, Sort
from nigrani_routing.staff.queue_query import WantedCases
from nigrani_routing.staff.schemas import (
    AssignBody,
    CaseDetail,
    CaseStaffView,
    ClaimBody,
    NoteBody,
    PriorityBody,
    QueuePage,
    TransferBody,
    TransitionBody,
)
from nigrani_routing.staff.service import StaffDesk

router = APIRouter(prefix="/staff/v1", tags=["staff"])

AnyStaff = Annotated[StaffIdentity, Depends(require_role(*Role))]
Supervisor = Annotated[StaffIdentity, Depends(require_role(Role.SUPERVISOR, Role.DEPT_ADMIN))]


async def _desk(request: Request) -> StaffDesk:
    desk: StaffDesk = request.app.state.staff_desk
    return desk


Desk = Annotated[StaffDesk, Depends(_desk)]


@router.get("/queue", response_model=QueuePage)
async def queue(
    staff: AnyStaff,
    desk: Desk,
    wanted: WantedCases,
    department: str | None = None,
    sort: Annotated[Sort, Query(description="age, priority, or due (resolution)")] = "age",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> QueuePage:
    """The open cases of your department (oversight: of any `department`)."""
    wanted_department = department if staff.sees_every_department and department else None
    owner = wanted_department or staff.department
    if owner is None:
        raise HTTPException(422, "name a department to read its queue")
    now = utc_now()
    try:
        page = desk.queue.page(owner, wanted, sort=sort, cursor=cursor, limit=limit, now=now)
    except BadCursorError as error:
        raise HTTPException(422, str(error)) from None
    return QueuePage(
        items=[CaseStaffView.of(c, desk.queue.due.of(c.request_id), now) for c in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.get("/cases/{code}", response_model=CaseDetail)
async def case_detail(code: str, staff: AnyStaff, desk: Desk) -> CaseDetail:
    return await desk.detail(staff, code)


@router.post("/cases/{code}/claim")
async def claim(
    code: str, body: ClaimBody, staff: AnyStaff, desk: Desk, key: IdempotencyKey = None
) -> JSONResponse:
    command = Command(
        action=Action.CLAIM, public_note=body.public_note, internal_note=body.internal_note
    )
    return await desk.act(staff, code, command, key)


@router.post("/cases/{code}/assign")
async def assign(
    code: str, body: AssignBody, staff: Supervisor, desk: Desk, key: IdempotencyKey = None
) -> JSONResponse:
    command = Command(
        action=Action.ASSIGN,
        assignee=body.assignee,
        reason=body.reason,
        public_note=body.public_note,
        internal_note=body.internal_note,
    )
    return await desk.act(staff, code, command, key)


@router.post("/cases/{code}/transitions")
async def transition(
    code: str, body: TransitionBody, staff: AnyStaff, desk: Desk, key: IdempotencyKey = None
) -> JSONResponse:
    command = Command(
        action=Action(body.action),
        reason=body.reason,
        public_note=body.public_note,
        internal_note=body.internal_note,
    )
    return await desk.act(staff, code, command, key)


@router.post("/cases/{code}/notes")
async def note(
    code: str, body: NoteBody, staff: AnyStaff, desk: Desk, key: IdempotencyKey = None
) -> JSONResponse:
    return await desk.act(
        staff,
        code,
        Command(action=Action.NOTE, public_note=body.public_note, internal_note=body.internal_note),
        key,
    )


@router.post("/cases/{code}/transfer")
async def transfer(
    code: str, body: TransferBody, staff: AnyStaff, desk: Desk, key: IdempotencyKey = None
) -> JSONResponse:
    target = desk.department(body.department)
    if target is None:
        raise HTTPException(422, "department: not a department in the routing rules")
    command = Command(
        action=Action.TRANSFER,
        to_department=DepartmentRef(target.code, target.name),
        to_department_part_of=desk.rules.current.lineage(target.code),
        reason=body.reason,
        public_note=body.public_note,
        internal_note=body.internal_note,
    )
    return await desk.act(staff, code, command, key)


@router.post("/cases/{code}/priority")
async def change_priority(
    code: str, body: PriorityBody, staff: Supervisor, desk: Desk, key: IdempotencyKey = None
) -> JSONResponse:
    command = Command(
        action=Action.CHANGE_PRIORITY,
        priority=body.priority,
        reason=body.reason,
        public_note=body.public_note,
        internal_note=body.internal_note,
    )
    return await desk.act(staff, code, command, key)
