"""The order of routing's two writes around its publish: the case is marked announced only
after the routed event was published, so a failed publish is retried on redelivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from nigrani_routing.cases.service import RoutingService, Submission
from nigrani_routing.rules.holder import RulesHolder
from nigrani_routing.rules.loader import DEFAULT_AREAS_PATH, DEFAULT_RULES_PATH
from nigrani_shared.events import EventEnvelope


class _Cases:
    """An in-memory stand-in for the cases collection: insert-or-get and the mark."""

    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}

    async def insert_if_absent(self, case: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        if case["_id"] in self.stored:
            return self.stored[case["_id"]], False
        self.stored[case["_id"]] = dict(case)
        return self.stored[case["_id"]], True

    async def mark_announced(self, request_id: str) -> None:
        self.stored[request_id]["announced"] = True


def _holder() -> RulesHolder:
    return RulesHolder(DEFAULT_RULES_PATH, DEFAULT_AREAS_PATH)


SUBMISSION = Submission(
    request_id="ABCD-EFGH-JKMN",
    category="water.no_supply",
    district="Lahore",
    submitted_at=datetime(2026, 11, 1, tzinfo=UTC),
)


async def test_a_failed_publish_leaves_the_case_unannounced_and_the_retry_announces() -> None:
    cases, published = _Cases(), []
    failing = True

    async def announce(event: EventEnvelope) -> None:
        if failing:
            raise ConnectionError("broker down")
        published.append(event)

    service = RoutingService(rules=_holder(), cases=cases, announce=announce)  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        await service.route_submission(SUBMISSION)
    assert cases.stored[SUBMISSION.request_id]["announced"] is False

    failing = False
    await service.route_submission(SUBMISSION)  # the redelivery
    await service.route_submission(SUBMISSION)  # and one more: nothing new
    assert len(published) == 1
    assert cases.stored[SUBMISSION.request_id]["announced"] is True


async def test_a_failed_mark_does_not_make_the_handler_announce_again() -> None:
    """The runtime runs a failing handler again; if a store error while marking escaped,
    the retry would publish the routed event a second time."""
    from pymongo.errors import AutoReconnect

    class _CasesThatCannotMark(_Cases):
        async def mark_announced(self, request_id: str) -> None:
            raise AutoReconnect("store went away")

    cases, published = _CasesThatCannotMark(), []

    async def announce(event: EventEnvelope) -> None:
        published.append(event)

    service = RoutingService(rules=_holder(), cases=cases, announce=announce)  # type: ignore[arg-type]
    await service.route_submission(SUBMISSION)  # does not raise
    assert len(published) == 1
