"""The case service: opens a case for each submission and applies commands to it.

Every path (a consumed submission, a staff request, a citizen's action through intake, a
lapsed window, an SLA escalation) goes through one sequence: load the snapshot, recognise
a retried attempt, let the pure workflow decide, and commit through the ledger (ledger.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    EventEnvelope,
    RequestRouted,
    RequestSubmitted,
    RequestSubmittedV1,
    RequestSubmittedV2,
    derived_event_id,
    new_event,
)
from prometheus_client import Counter, Histogram

from nigrani_routing.cases.commands import Action, Command
from nigrani_routing.cases.escalation import escalation_command
from nigrani_routing.cases.ledger import CaseLedger, Committed, Conflict, Loaded
from nigrani_routing.cases.model import (
    Actor,
    Case,
    DepartmentRef,
    Priority,
    StaffActor,
    State,
    SystemActor,
    Windows,
)
from nigrani_routing.cases.workflow import decide
from nigrani_routing.rules.holder import RulesHolder
from nigrani_routing.rules.matching import RoutingInput
from nigrani_routing.rules.matching import decide as decide_route

EVENT_SOURCE = "/nigrani/routing"
logger = logging.getLogger(__name__)

TIME_TO_ROUTE = Histogram(
    "nigrani_time_to_route_seconds",
    "From submission to a stored routing decision.",
    ["department", "category"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
)
REQUESTS_ROUTED = Counter(
    "nigrani_requests_routed_total", "Cases created by routing.", ["department", "rule"]
)
CASE_CHANGES = Counter(
    "nigrani_case_changes_total", "Case changes committed.", ["department", "action"]
)
OVERRIDES = Counter(
    "nigrani_case_overrides_total",
    "Manual overrides (priority change, transfer, reassignment), by department.",
    ["department", "kind"],
)


@dataclass(frozen=True)
class Submission:
    """What routing needs of a submitted request, whichever event version announced it."""

    request_id: str
    category: str
    district: str | None
    submitted_at: datetime
    lat: float | None = None
    lon: float | None = None
    concerns_department: str | None = None

    @classmethod
    def of(cls, event: RequestSubmitted | RequestSubmittedV2 | RequestSubmittedV1) -> Submission:
        place = event.location if isinstance(event, RequestSubmittedV1) else event.place
        # v1 carried the point even for sensitive categories; later versions never do.
        point = place is not None and not (
            isinstance(event, RequestSubmittedV1) and event.sensitive
        )
        return cls(
            request_id=event.request_id,
            category=event.category,
            district=place.district if place else None,
            submitted_at=event.submitted_at,
            lat=place.lat if place and point else None,
            lon=place.lon if place and point else None,
            concerns_department=(
                event.concerns_department if isinstance(event, RequestSubmitted) else None
            ),
        )

    def routing_input(self) -> RoutingInput:
        return RoutingInput(
            category=self.category,
            district=self.district,
            lat=self.lat,
            lon=self.lon,
            concerns_department=self.concerns_department,
        )


Schedule = Callable[[str, datetime], Awaitable[None]]
CONFLICT_ATTEMPTS = 5
LAPSE_GRACE = timedelta(minutes=15)


class KeyReused(Exception):
    """An Idempotency-Key already used for a different command on this case."""


class StillConflicting(Exception):
    """A citizen's or the system's command kept losing races: raised so that it is
    retried (the consumer runtime, the next sweep) rather than dropped."""


class CaseService:
    def __init__(
        self,
        *,
        rules: RulesHolder,
        ledger: CaseLedger,
        windows: Windows,
        schedule_lapse: Schedule,
    ) -> None:
        self._rules = rules
        self._ledger = ledger
        self._windows = windows
        self._schedule_lapse = schedule_lapse

    @property
    def windows(self) -> Windows:
        return self._windows

    async def open_case(self, submitted: Submission, attempt: str) -> Committed | None:
        """The case at version 1 and its routed event; a redelivery changes nothing."""
        loaded = await self._ledger.load(submitted.request_id)
        if loaded is not None:
            version = loaded.version_of(attempt)
            return (
                await self._ledger.replay(submitted.request_id, version, attempt)
                if (version is not None)
                else None
            )  # routed before attempts were recorded: nothing to redo
        case = self._decide_route(submitted)
        outcome = await self._ledger.commit(None, case, routed_event(case), attempt)
        assert isinstance(outcome, Committed)  # version 1 is only ever written for this
        if not outcome.replayed:
            TIME_TO_ROUTE.labels(case.department.code, case.category).observe(
                (case.routed_at - submitted.submitted_at).total_seconds()
            )
            REQUESTS_ROUTED.labels(case.department.code, case.rule_id).inc()
        return outcome

    async def act(
        self,
        request_id: str,
        command: Command,
        actor: Actor,
        attempt: str,
        now: datetime,
        *,
        loaded: Loaded | None = None,
    ) -> Committed | Conflict | None:
        """Applies `command`: None when there is no such case; `Refused` and `KeyReused`
        propagate. Staff who lose a race get the `Conflict` (a 409 to reload and decide
        again); the citizen's and the system's commands are decided again on the newer
        case, since nobody is there to retry them."""
        decides_again = not isinstance(actor, StaffActor)
        for _ in range(CONFLICT_ATTEMPTS if decides_again else 1):
            outcome = await self._act_once(request_id, command, actor, attempt, now, loaded)
            if not isinstance(outcome, Conflict):
                return outcome
            loaded = None
        if decides_again:
            raise StillConflicting(f"{request_id}: {CONFLICT_ATTEMPTS} lost races in a row")
        return outcome

    async def escalate(
        self, request_id: str, level: int, attempt: str, now: datetime
    ) -> Committed | None:
        """Moves the case to `level`'s queue (cases/escalation.py): None when there is no
        such case; `Refused` when it is not open or already at or above the level. The
        command is worked out again from the case after each lost race, so the ladder is
        always the one of the department the case is in when the change is made."""
        for _ in range(CONFLICT_ATTEMPTS):
            loaded = await self._ledger.load(request_id)
            if loaded is None:
                return None
            version = loaded.version_of(attempt)
            if version is not None:  # a redelivery: this event's change already stands
                return await self._ledger.replay(request_id, version, attempt)
            command = escalation_command(self._rules.current, loaded.case, level)
            outcome = await self._act_once(request_id, command, SystemActor(), attempt, now, loaded)
            if not isinstance(outcome, Conflict):
                return outcome
        raise StillConflicting(f"{request_id}: {CONFLICT_ATTEMPTS} lost races in a row")

    async def _act_once(
        self,
        request_id: str,
        command: Command,
        actor: Actor,
        attempt: str,
        now: datetime,
        loaded: Loaded | None,
    ) -> Committed | Conflict | None:
        loaded = loaded or await self._ledger.load(request_id)
        if loaded is None:
            return None
        fingerprint = command.fingerprint()
        known = loaded.attempt(attempt)
        if known is not None:
            if known.get("fingerprint") not in ("", fingerprint):
                raise KeyReused(request_id)
            return await self._ledger.replay(request_id, known["version"], attempt)
        change = decide(loaded.case, command, actor, now, self._windows)
        if command.action is Action.RESOLVE:
            # Before the commit: a lapse timer for a change that then loses its race only
            # fires into a refusal, while a commit without its timer would never close.
            # The grace lets a confirmation made at the last minute arrive through
            # intake's outbox before the lapse is decided.
            due = now + self._windows.confirmation + LAPSE_GRACE
            await self._schedule_lapse(request_id, due)
        event = new_event(
            change.event,
            subject=request_id,
            source=EVENT_SOURCE,
            event_id=derived_event_id(request_id, "change", str(change.case.version)),
        )
        outcome = await self._ledger.commit(loaded, change.case, event, attempt, fingerprint)
        if isinstance(outcome, Committed) and not outcome.replayed:
            _count(loaded.case, command)
        return outcome

    def _decide_route(self, submitted: Submission) -> Case:
        # Read at each decision: a reload (SIGHUP, admin endpoint) applies to the next one.
        decision = decide_route(self._rules.current, submitted.routing_input())
        now = utc_now()
        return Case(
            request_id=submitted.request_id,
            version=1,
            state=State.ROUTED,
            department=DepartmentRef(decision.department.code, decision.department.name),
            category=submitted.category,
            priority=Priority.NORMAL,
            assignee=None,
            transfers=0,
            reopened=0,
            submitted_at=submitted.submitted_at,
            routed_at=now,
            updated_at=now,
            areas=decision.areas,
            district=submitted.district,
            excluded_department=decision.excluded_department,
            rule_id=decision.rule_id,
            rule_set_version=decision.rule_set_version,
            conflict_of_interest=decision.conflict_of_interest,
        )


def _count(before: Case, command: Command) -> None:
    department = before.department.code
    CASE_CHANGES.labels(department, command.action.value).inc()
    if command.action is Action.CHANGE_PRIORITY:
        OVERRIDES.labels(department, "priority").inc()
    elif command.action is Action.TRANSFER:
        OVERRIDES.labels(department, "transfer").inc()
    elif command.action is Action.ASSIGN and before.assignee is not None:
        OVERRIDES.labels(department, "reassignment").inc()


def routed_event(case: Case) -> EventEnvelope:
    return new_event(
        RequestRouted(
            request_id=case.request_id,
            category=case.category,
            district=case.district,
            department_code=case.department.code,
            department_name=case.department.name,
            rule_id=case.rule_id,
            rule_set_version=case.rule_set_version,
            areas=case.areas,
            conflict_of_interest=case.conflict_of_interest,
            priority=case.priority.value,
            routed_at=case.routed_at,
        ),
        subject=case.request_id,
        source=EVENT_SOURCE,
        event_id=derived_event_id(case.request_id, "routed"),
    )
