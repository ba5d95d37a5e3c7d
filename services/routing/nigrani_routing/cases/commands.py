"""What staff, the citizen and the system ask of a case. Commands are requests, kept apart
from the events (CaseChanged) that a granted command produces."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from enum import StrEnum

from nigrani_routing.cases.model import DepartmentRef, Priority


class Action(StrEnum):
    CLAIM = "claim"
    ASSIGN = "assign"
    START = "start"
    REQUEST_INFORMATION = "request_information"
    RESUME = "resume"
    RESOLVE = "resolve"
    REJECT = "reject"
    TRANSFER = "transfer"
    CHANGE_PRIORITY = "change_priority"
    NOTE = "note"
    ADD_INFORMATION = "add_information"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    REOPEN = "reopen"
    LAPSE_CONFIRMATION = "lapse_confirmation"
    ESCALATE = "escalate"


CITIZEN_ACTIONS = frozenset({Action.ADD_INFORMATION, Action.CONFIRM, Action.DISPUTE, Action.REOPEN})
SYSTEM_ACTIONS = frozenset({Action.LAPSE_CONFIRMATION, Action.ESCALATE})
STAFF_ACTIONS = frozenset(Action) - CITIZEN_ACTIONS - SYSTEM_ACTIONS


@dataclass(frozen=True, kw_only=True)
class Command:
    """Every command may carry a public note (shown on the citizen's timeline) and an
    internal note (staff and oversight only); `reason` is required where a rule says so."""

    action: Action
    reason: str | None = None
    public_note: str | None = None
    internal_note: str | None = None
    assignee: str | None = None
    to_department: DepartmentRef | None = None
    # The departments the target is part of: a complaint about an agency may not go to
    # one of its own offices either.
    to_department_part_of: tuple[str, ...] = ()
    priority: Priority | None = None
    message_id: str | None = None
    # An escalation: the ladder level reached and whose queue it lands in (the role, and
    # `to_department`, the case's own department or another one for the level).
    escalation_level: int | None = None
    escalated_to_role: str | None = None

    def fingerprint(self) -> str:
        """What the command asks, hashed: a retry under one Idempotency-Key must ask the
        same, or it is a different action reusing a key (refused, never silently merged)."""
        canonical = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]
