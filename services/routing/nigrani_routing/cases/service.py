"""Routing a submitted request: decide, store the case, announce it.

The case is the record of what was announced: it is stored with `announced: false`, the
routed event is published, then the case is marked announced. A redelivered submission
meets the stored case: if it was announced, nothing more happens; if the process died
between the publish and the mark, the event is announced again, with the same id (derived
from the request id) and the same content (from the stored case), so downstream consumers
recognise it. That makes the effect naturally idempotent in two store round trips,
without a separate record of applied event ids.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

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
from nigrani_shared.store.client import Document
from prometheus_client import Counter, Histogram
from pymongo.errors import PyMongoError

from nigrani_routing.cases.repository import CasesRepository
from nigrani_routing.rules.holder import RulesHolder
from nigrani_routing.rules.matching import RoutingInput, decide

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


Announce = Callable[[EventEnvelope], Awaitable[None]]


class RoutingService:
    def __init__(self, *, rules: RulesHolder, cases: CasesRepository, announce: Announce) -> None:
        self._rules = rules
        self._cases = cases
        self._announce = announce

    async def route_submission(self, submitted: Submission) -> None:
        district = submitted.district
        # Read at each decision: a reload (SIGHUP, admin endpoint) applies to the next one.
        decision = decide(self._rules.current, submitted.routing_input())
        case: Document = {
            "_id": submitted.request_id,
            "category": submitted.category,
            "district": district,
            "department_code": decision.department.code,
            "department_name": decision.department.name,
            "rule_id": decision.rule_id,
            "rule_set_version": decision.rule_set_version,
            "areas": list(decision.areas),
            "conflict_of_interest": decision.conflict_of_interest,
            "excluded_department": decision.excluded_department,
            "submitted_at": submitted.submitted_at,
            "routed_at": utc_now(),
            "announced": False,
        }
        stored, created = await self._cases.insert_if_absent(case)
        if created:
            TIME_TO_ROUTE.labels(stored["department_code"], stored["category"]).observe(
                (stored["routed_at"] - submitted.submitted_at).total_seconds()
            )
            REQUESTS_ROUTED.labels(stored["department_code"], stored["rule_id"]).inc()
        if stored.get("announced"):
            return  # a redelivery of a submission whose routing Kafka already has
        await self._announce(routed_event(stored))
        try:
            await self._cases.mark_announced(stored["_id"])
        except PyMongoError as error:
            # Not worth an error that would make the runtime run the handler, and so the
            # announcement, again: the event is out; an unmarked case costs at most one
            # repeat announcement (same id) if this submission is ever redelivered.
            logger.warning(
                "routed event announced, case not marked",
                extra={"error_type": type(error).__name__},
            )


def routed_event(case: Document) -> EventEnvelope:
    return new_event(
        RequestRouted(
            request_id=case["_id"],
            department_code=case["department_code"],
            department_name=case["department_name"],
            rule_id=case["rule_id"],
            rule_set_version=case.get("rule_set_version", ""),
            areas=tuple(case.get("areas", ())),
            conflict_of_interest=bool(case.get("conflict_of_interest", False)),
            priority="normal",
            routed_at=case["routed_at"],
        ),
        subject=case["_id"],
        source=EVENT_SOURCE,
        event_id=derived_event_id(case["_id"], "routed"),
    )
