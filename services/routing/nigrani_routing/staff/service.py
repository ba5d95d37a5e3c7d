"""What the staff routes do, kept out of the router: who may see a case, turning an
identity into a workflow actor, and answering a command's outcome.

A case of another department answers exactly like a case that does not exist (404), so
the API never confirms that a tracking code exists elsewhere. Oversight reads every
department and acts only in its own, like everyone else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from nigrani_shared.auth.identity import StaffIdentity
from nigrani_shared.clock import utc_now
from nigrani_shared.events import CaseChanged, decode_event, derived_event_id

from nigrani_routing.cases.commands import Command
from nigrani_routing.cases.documents import case_from_document
from nigrani_routing.cases.ledger import CaseLedger, Committed
from nigrani_routing.cases.model import Case, DepartmentRef, StaffActor
from nigrani_routing.cases.repository import CasesRepository
from nigrani_routing.cases.service import CaseService, KeyReused
from nigrani_routing.cases.workflow import Refusal, Refused, allowed_actions
from nigrani_routing.queue.projection import QueueProjection
from nigrani_routing.rules.holder import RulesHolder
from nigrani_routing.staff.schemas import ActionResult, CaseDetail, CaseStaffView, HistoryEntry

NOT_FOUND = "no such case in your department"


def actor_of(staff: StaffIdentity) -> StaffActor:
    return StaffActor(
        staff_id=staff.subject,
        roles=staff.roles,
        department=staff.department,
    )


def attempt_of(staff: StaffIdentity, code: str, action: str, key: str | None) -> str:
    """A client's retry (same Idempotency-Key) is the same attempt; no key, a new one."""
    if key is None:
        return str(uuid.uuid4())
    return derived_event_id("staff", staff.subject, code, action, key)


@dataclass(frozen=True)
class StaffDesk:
    cases: CaseService
    ledger: CaseLedger
    repository: CasesRepository
    queue: QueueProjection
    rules: RulesHolder

    def department(self, code: str) -> DepartmentRef | None:
        found = self.rules.current.departments.get(code)
        return DepartmentRef(found.code, found.name) if found else None

    async def visible_case(self, staff: StaffIdentity, code: str) -> Case:
        loaded = await self.ledger.load(code)
        if loaded is None or not _sees(staff, loaded.case):
            raise HTTPException(404, NOT_FOUND)
        return loaded.case

    async def detail(self, staff: StaffIdentity, code: str) -> CaseDetail:
        case = await self.visible_case(staff, code)
        changes = await self.repository.history(code, case.version)
        return CaseDetail(
            case=CaseStaffView.of(case, self.queue.due.of(code)),
            allowed_actions=allowed_actions(case, actor_of(staff), utc_now(), self.cases.windows)
            if _acts_in(staff, case)
            else [],
            history=[_for_viewer(staff, _history_entry(c)) for c in changes],
        )

    async def act(
        self, staff: StaffIdentity, code: str, command: Command, key: str | None
    ) -> JSONResponse:
        attempt = attempt_of(staff, code, command.action.value, key)
        loaded = await self.ledger.load(code)
        if loaded is None:
            raise HTTPException(404, NOT_FOUND)
        # A retry answers its first outcome even if that outcome moved the case out of
        # sight (a transfer): the attempt id is this caller's own, so it reveals nothing.
        if loaded.attempt(attempt) is None:
            if not _sees(staff, loaded.case):
                raise HTTPException(404, NOT_FOUND)
            if not _acts_in(staff, loaded.case):
                raise HTTPException(
                    403, "oversight reads every department but acts only in its own"
                )
        actor = actor_of(staff)
        try:
            outcome = await self.cases.act(code, command, actor, attempt, utc_now(), loaded=loaded)
        except Refused as refused:
            return _refusal(refused)
        except KeyReused:
            raise HTTPException(
                422, "this Idempotency-Key was already used for a different action"
            ) from None
        if outcome is None:
            raise HTTPException(404, NOT_FOUND)
        if not isinstance(outcome, Committed):
            latest = outcome.latest
            allowed = allowed_actions(latest, actor, utc_now(), self.cases.windows)
            return _conflict(
                "the case changed while you acted: reload it and try again",
                latest.state.value,
                latest.version,
                allowed,
            )
        result = ActionResult(
            case=CaseStaffView.of(outcome.case, self.queue.due.of(code)),
            action=command.action.value,
            version=outcome.case.version,
        )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        return JSONResponse(result.model_dump(mode="json"), headers=headers)


def _sees(staff: StaffIdentity, case: Case) -> bool:
    return staff.sees_every_department or staff.department == case.department.code


def _acts_in(staff: StaffIdentity, case: Case) -> bool:
    return staff.department == case.department.code


def _refusal(refused: Refused) -> JSONResponse:
    if refused.kind is Refusal.ILLEGAL:
        return _conflict(refused.message, refused.state.value, refused.version, refused.allowed)
    status = 403 if refused.kind is Refusal.FORBIDDEN else 422
    return JSONResponse({"detail": refused.message, "state": refused.state.value}, status)


def _conflict(message: str, state: str, version: int, allowed: list[str]) -> JSONResponse:
    body: dict[str, Any] = {
        "detail": message,
        "state": state,
        "version": version,
        "allowed_actions": allowed,
    }
    return JSONResponse(body, status_code=409)


def _for_viewer(staff: StaffIdentity, entry: HistoryEntry) -> HistoryEntry:
    """A department's internal notes stay with it: after a transfer the receiving
    department sees what was done and why (the reason), not the sender's notes.
    Oversight sees everything."""
    if staff.sees_every_department or entry.department in (None, staff.department):
        return entry
    return entry.model_copy(update={"internal_note": None})


def _history_entry(change: dict[str, Any]) -> HistoryEntry:
    event = decode_event(change["event"].encode())
    data = event.data
    if not isinstance(data, CaseChanged):  # version 1: the routing decision
        case = case_from_document(change["case"])
        return HistoryEntry(
            version=case.version,
            action="route",
            from_state="submitted",
            to_state=case.state.value,
            actor_kind="system",
            staff_id=None,
            role=None,
            department=case.department.code,
            reason=f"rule {case.rule_id} (rule set {case.rule_set_version})",
            public_note=None,
            internal_note=None,
            message_id=None,
            at=case.routed_at,
        )
    return HistoryEntry(
        version=data.case_version,
        action=data.action,
        from_state=data.from_state,
        to_state=data.to_state,
        actor_kind=data.actor.kind,
        staff_id=data.actor.staff_id,
        role=data.actor.role,
        department=data.actor.department,
        reason=data.reason,
        public_note=data.public_note,
        internal_note=data.internal_note,
        message_id=data.message_id,
        at=data.occurred_at,
    )
