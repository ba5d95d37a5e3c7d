"""The order of routing's two writes around its publish: the case is marked announced only
after the routed event was published, so a failed publish is retried on redelivery."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from nigrani_routing.cases.service import RoutingService, Submission
from nigrani_routing.rules.holder import RulesHolder
from nigrani_routing.rules.loader import DEFAULT_AREAS_PATH, DEFAULT_RULES_PATH
from nigrani_shared.events import (
    EventEnvelope,
    Location,
    PlaceRef,
    RequestRouted,
    RequestSubmitted,
    RequestSubmittedV1,
)


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


def _submitted_v3(**changes: Any) -> RequestSubmitted:
    fields: dict[str, Any] = {
        "request_id": "ABCD-EFGH-JKMP",
        "category": "water.no_supply",
        "place": PlaceRef(lat=31.48, lon=74.32, district="Lahore"),
        "channel": "web",
        "sensitive": False,
        "anonymous": False,
        "has_contact": False,
        "concerns_department": None,
        "submitted_at": datetime(2026, 11, 1, tzinfo=UTC),
    }
    return RequestSubmitted(**{**fields, **changes})


def test_a_v3_submission_carries_the_point_and_the_named_department() -> None:
    submission = Submission.of(_submitted_v3(concerns_department="ACE"))
    assert (submission.lat, submission.lon, submission.district) == (31.48, 74.32, "Lahore")
    assert submission.concerns_department == "ACE"


def test_a_v1_submission_of_a_sensitive_category_is_routed_without_its_point() -> None:
    event = RequestSubmittedV1(
        request_id="ABCD-EFGH-JKMQ",
        category="police.harassment",
        description="x",
        location=Location(lat=31.48, lon=74.32, district="Lahore"),
        contact=None,
        channel="web",
        sensitive=True,
        submitted_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    submission = Submission.of(event)
    assert (submission.lat, submission.lon, submission.district) == (None, None, "Lahore")


async def _route(service: RoutingService, cases: _Cases, event: RequestSubmitted) -> Any:
    await service.route_submission(Submission.of(event))
    return cases.stored[event.request_id]


async def test_the_case_and_the_routed_event_record_areas_version_and_conflict() -> None:
    cases, published = _Cases(), []

    async def announce(event: EventEnvelope) -> None:
        published.append(event)

    holder = _holder()
    service = RoutingService(rules=holder, cases=cases, announce=announce)  # type: ignore[arg-type]
    case = await _route(service, cases, _submitted_v3())
    assert case["department_code"] == "WASA-LHR-MODEL-TOWN"
    assert case["areas"] == ["pk-pb-lahore-model-town", "pk-pb-lahore"]
    assert case["rule_set_version"] == holder.current.version
    routed = published[-1].data
    assert isinstance(routed, RequestRouted)
    assert routed.areas == ("pk-pb-lahore-model-town", "pk-pb-lahore")
    assert (routed.rule_id, routed.rule_set_version) == ("water-model-town", holder.current.version)
    assert routed.conflict_of_interest is False

    complaint = _submitted_v3(
        request_id="ABCD-EFGH-JKMR",
        category="integrity.bribe_demanded",
        place=PlaceRef(district="Lahore"),
        sensitive=True,
        anonymous=True,
        concerns_department="ACE",
    )
    case = await _route(service, cases, complaint)
    assert (case["department_code"], case["excluded_department"]) == ("OMBUDSMAN", "ACE")
    assert case["conflict_of_interest"] is True
    routed = published[-1].data
    assert isinstance(routed, RequestRouted)
    assert (routed.department_code, routed.conflict_of_interest) == ("OMBUDSMAN", True)


async def test_each_decision_reads_the_rules_in_force(tmp_path: Path) -> None:
    (tmp_path / "routing.yaml").write_bytes(DEFAULT_RULES_PATH.read_bytes())
    holder = RulesHolder(tmp_path / "routing.yaml", DEFAULT_AREAS_PATH)
    cases = _Cases()

    async def announce(event: EventEnvelope) -> None:
        return None

    service = RoutingService(rules=holder, cases=cases, announce=announce)  # type: ignore[arg-type]
    first = await _route(service, cases, _submitted_v3(place=PlaceRef(district="Lahore")))
    rules = tmp_path / "routing.yaml"
    rules.write_text(rules.read_text().replace("department: WASA-LHR\n", "department: LG-WATER\n"))
    holder.reload()
    second = await _route(
        service,
        cases,
        _submitted_v3(request_id="ABCD-EFGH-JKMS", place=PlaceRef(district="Lahore")),
    )
    assert (first["department_code"], second["department_code"]) == ("WASA-LHR", "LG-WATER")
    assert first["rule_set_version"] != second["rule_set_version"]
